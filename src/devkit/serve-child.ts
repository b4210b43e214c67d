// `ipfrs serve` as a child process, for tests where the server may crash (SIGBUS), must exit on a signal, or is
// watched from outside (RSS, /proc/<pid>/maps, its logs). The child runs with --expose-gc and gc-on-signal.mjs,
// so `gc()` here (SIGUSR2) collects garbage in it; nothing else differs from what a user runs.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './paths.ts';

export interface ServerChild {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Printed on the first start of a store only. */
  adminToken: string | null;
  stdout(): string;
  stderr(): string;
  /** Resolves when the child exits, with its code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Two full collections in the child (SIGUSR2), then a short wait for finalizers. */
  gc(): Promise<void>;
  /** VmRSS, RssAnon, RssFile and VmHWM of the child, bytes, from /proc/<pid>/status. */
  memory(): { rss: number; anon: number; file: number; peak: number };
  /** Lines of /proc/<pid>/maps naming `pathPart`. */
  mappingsOf(pathPart: string): string[];
}

export async function spawnServer(
  storeRoot: string,
  args: string[] = [],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; /** run dist/cli.js (the built bin, no tsx) */ built?: boolean } = {},
): Promise<ServerChild> {
  const cli = options.built ? [join(REPO, 'dist', 'cli.js')] : ['--import', 'tsx', join(REPO, 'src', 'cli.ts')];
  const child = spawn(
    process.execPath,
    ['--expose-gc', '--import', pathToFileURL(join(REPO, 'src', 'devkit', 'gc-on-signal.mjs')).href, ...cli, 'serve', '--store', storeRoot, '--port', '0', '--grpc-port', '0', '--no-demo', ...args],
    { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Killed, not left running: a live child would keep the test run from ever exiting.
      child.kill('SIGKILL');
      reject(new Error(`server did not start in time\nstdout: ${out}\nstderr: ${err}`));
    }, options.timeoutMs ?? 30_000);
    const check = () => {
      const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited at start (${code ?? signal})\nstdout: ${out}\nstderr: ${err}`));
    });
  });
  // The token line follows the URL line in the same write or the next one.
  await new Promise((r) => setTimeout(r, 50));
  const token = /admin token[^:]*: (\S+)/.exec(out)?.[1] ?? null;

  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kib = (text: string, field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    child,
    adminToken: token,
    stdout: () => out,
    stderr: () => err,
    exited,
    alive: () => exitInfo === null,
    async stop(signal = 'SIGTERM') {
      if (exitInfo) return exitInfo;
      child.kill(signal);
      return exited;
    },
    async gc() {
      for (let i = 0; i < 2; i++) {
        child.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 60));
      }
    },
    memory() {
      const s = status();
      return { rss: kib(s, 'VmRSS'), anon: kib(s, 'RssAnon'), file: kib(s, 'RssFile'), peak: kib(s, 'VmHWM') };
    },
    mappingsOf(pathPart) {
      return readFileSync(`/proc/${child.pid}/maps`, 'utf8')
        .split('\n')
        .filter((line) => line.includes(pathPart));
    },
  };
}

/** A GraphQL POST to a live server; returns status and parsed body. */
export async function gql(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { errors: [{ message: text }] };
  }
  return { status: response.status, body };
}
