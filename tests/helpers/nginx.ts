// Starts a throwaway nginx on 127.0.0.1 serving one folder: the reference for Range tests and benchmarks.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nginxConfig } from '../../src/devkit/nginx-config.ts';
import { freePort } from '../../src/devkit/ports.ts';
import { tempDir } from '../../src/devkit/paths.ts';

export interface NginxOptions {
  /** Folder served at `/`. */
  root: string;
  sendfile?: boolean;
  /** e.g. '2 1m', the best config measured here. */
  outputBuffers?: string;
  workers?: number;
}

export interface RunningNginx {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** How to get nginx where it is missing. */
export const NGINX_INSTALL = 'apt-get install nginx-light';

export function nginxBinary(): string | null {
  for (const path of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(path)) return path;
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

export async function startNginx(options: NginxOptions): Promise<RunningNginx> {
  const binary = nginxBinary();
  if (!binary) throw new Error(`nginx is not installed: ${NGINX_INSTALL}`);
  const prefix = tempDir('ipfrs-nginx-');
  mkdirSync(join(prefix.path, 'logs'));
  const port = await freePort();
  const conf = nginxConfig({ prefix: prefix.path, port, root: options.root, sendfile: options.sendfile, outputBuffers: options.outputBuffers, workers: options.workers });
  const confPath = join(prefix.path, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child: ChildProcess = spawn(binary, ['-p', prefix.path, '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  await waitForPort(port, () => child.exitCode !== null, () => stderr);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          prefix.cleanup();
          return resolve();
        }
        child.once('exit', () => {
          prefix.cleanup();
          resolve();
        });
        child.kill('SIGQUIT');
      }),
  };
}

async function waitForPort(port: number, exited: () => boolean, stderr: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (exited()) throw new Error(`nginx exited: ${stderr()}`);
    try {
      await fetch(`http://127.0.0.1:${port}/`, { method: 'HEAD' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`nginx did not start: ${stderr()}`);
}
