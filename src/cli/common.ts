// What every subcommand shares: argument parsing, opening the store, the I/O it writes to.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Writable } from 'node:stream';
import { resolveStoreRoot, UsageError } from '../config.ts';
import { openWarnings, TensorStore } from '../store/tensor-store.ts';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A command's code; its name, summary and usage are in help.ts, which loads the module only to run it. */
export interface Command {
  run(args: string[], io: CliIo): Promise<number>;
}

export const storeOption = { store: { type: 'string' } } as const;

// The return type is spelled out for the .d.ts (util does not export the name of parseArgs' result type).
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = true,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args: attachDashValues(args, options), options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

/**
 * parseArgs refuses `--slice -1` (a value that starts with a dash looks like an option to it); a string option
 * followed by something that cannot be an option (`-1, ::2`, `-3:`, `-.5`) is joined as `--slice=-1`.
 */
function attachDashValues(args: string[], options: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return [...out, ...args.slice(i)];
    const next = args[i + 1];
    const option = arg.startsWith('--') && !arg.includes('=') ? options[arg.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-[\d.:\s]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** Opens the store; what the open repaired or found missing is said on stderr (every command, every time). */
export function openStore(flag: string | undefined, io: CliIo): TensorStore {
  const store = TensorStore.open(resolveStoreRoot(flag, io.env, io.cwd));
  for (const warning of openWarnings(store.openReport)) println(io.stderr, `ipfrs: warning: ${warning}`);
  return store;
}

export function println(out: Writable, text = ''): void {
  out.write(`${text}\n`);
}

export function requireOne(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length}`);
  return positionals[0]!;
}
