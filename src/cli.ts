#!/usr/bin/env node
// The `ipfrs` command: dispatches to one module per subcommand and turns expected failures into one line.
import { pathToFileURL } from 'node:url';
import { realpathSync } from 'node:fs';
import { UsageError } from './config.ts';
import { commands, helpText, version } from './cli/help.ts';
import type { CliIo } from './cli/common.ts';

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${helpText()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    io.stderr.write(`ipfrs: unknown command ${JSON.stringify(name)}\n${helpText()}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`usage: ${entry.usage}\n${entry.summary}\n`);
    return 0;
  }
  try {
    return await (await entry.load()).run(args, io);
  } catch (error) {
    return reportError(error, io);
  }
}

/** Expected failures carry a code or are usage errors: one line, no stack. Anything else is a bug: show it. */
function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.stderr.write(`ipfrs: ${error.message}\n`);
    return 2;
  }
  const code = (error as { code?: unknown })?.code;
  if (error instanceof Error && typeof code === 'string') {
    io.stderr.write(`ipfrs: ${error.message}\n`);
    return 1;
  }
  io.stderr.write(`ipfrs: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 70;
}

function isEntryPoint(): boolean {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1] ?? '')).href;
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // EPIPE on stdout (`ipfrs cat ... | head`) is a normal end, not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
  process.exitCode = code;
}
