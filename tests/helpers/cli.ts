// Runs the CLI in-process with captured output, or as a real child process when exit codes and streams matter.
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { REPO } from '../../src/devkit/paths.ts';

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

class Capture extends Writable {
  chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    // Copy: the CLI writes mapped views, which must not be kept past the call in a test.
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(args, { stdout, stderr, env, cwd: REPO });
  return { code, stdout: stdout.bytes, stderr: stderr.bytes.toString('utf8') };
}

/** The CLI as a child process, from the sources (tsx); tests/e2e/dist.test.ts runs the built bin. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'src', 'cli.ts'), ...args], {
    env: { ...process.env, ...env },
    maxBuffer: 256 << 20,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr.toString('utf8') };
}
