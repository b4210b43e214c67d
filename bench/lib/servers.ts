// Starts and stops the servers under test, each in its own process on 127.0.0.1: the ipfrs server, nginx in two
// configurations, a plain Node createReadStream server and graphql-yoga's hello world.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxConfig } from '../../src/devkit/nginx-config.ts';
import { freePort } from '../../src/devkit/ports.ts';
import { sleep } from './stats.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningServer {
  name: string;
  url: string;
  port: number;
  /** The process that serves (nginx: the master; its one worker is a child of it). */
  pid: number;
  /** What the server wrote to its log file (stdout and stderr) since this start. */
  log(): string;
  stop(): Promise<void>;
}

const running = new Set<RunningServer>();

/** For the runner's finally and signal handlers: nothing this bench started outlives it. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

interface SpawnSpec {
  name: string;
  command: string;
  args: string[];
  port: number;
  /** Polled until it answers at all (any status); null: until the port accepts a TCP connection (HTTP/2-only servers). */
  readyPath: string | null;
  logDir: string;
  env?: NodeJS.ProcessEnv;
  stopSignal?: NodeJS.Signals;
}

/** Output goes to a log file, never to a pipe nobody drains (a full pipe would stall the server). */
async function spawnServer(spec: SpawnSpec): Promise<RunningServer> {
  mkdirSync(spec.logDir, { recursive: true });
  const logPath = join(spec.logDir, `${spec.name}.log`);
  const log = openSync(logPath, 'a');
  // The log file is appended to across runs: only what this start writes belongs to it.
  const logStart = statSync(logPath).size;
  const child: ChildProcess = spawn(spec.command, spec.args, {
    cwd: REPO_ROOT,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...spec.env },
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${spec.port}`;
  const server: RunningServer = {
    name: spec.name,
    url,
    port: spec.port,
    pid: child.pid ?? -1,
    log: () => readFileSync(logPath).subarray(logStart).toString(),
    async stop() {
      running.delete(server);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(spec.stopSignal ?? 'SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  running.add(server);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(server);
      throw new Error(`${spec.name} exited at start (${child.exitCode ?? child.signalCode}); see ${logPath}`);
    }
    try {
      if (spec.readyPath === null) await tcpConnect(spec.port);
      else await fetch(`${url}${spec.readyPath}`, { method: 'HEAD', signal: AbortSignal.timeout(2000) });
      return server;
    } catch {
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${spec.name} did not answer on ${url} within 60 s; see ${logPath}`);
      }
      await sleep(50);
    }
  }
}

function tcpConnect(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve();
    });
    socket.on('error', reject);
  });
}

export interface NginxConfig {
  sendfile: boolean;
  /** e.g. '2 1m' (the best config measured here). */
  outputBuffers?: string;
  /** worker_processes (default 1). */
  workers?: number;
}

export async function startNginx(binary: string, name: string, root: string, config: NginxConfig, tmpDir: string): Promise<RunningServer> {
  const prefix = join(tmpDir, name);
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const port = await freePort();
  const conf = nginxConfig({ prefix, port, root, sendfile: config.sendfile, outputBuffers: config.outputBuffers, workers: config.workers });
  const confPath = join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  return spawnServer({
    name,
    command: binary,
    args: ['-p', prefix, '-c', confPath],
    port,
    readyPath: '/',
    logDir: join(tmpDir, 'logs'),
    stopSignal: 'SIGTERM',
  });
}

function tsxArgs(script: string, args: string[]): string[] {
  return ['--import', 'tsx', script, ...args];
}

/** The plain Node file server (bench/servers/read-stream.ts) over `root`; files are at `/<name>`. */
export async function startReadStream(root: string, tmpDir: string): Promise<RunningServer> {
  const port = await freePort();
  return spawnServer({
    name: 'node-read-stream',
    command: process.execPath,
    args: tsxArgs(join(REPO_ROOT, 'bench/servers/read-stream.ts'), [root, String(port)]),
    port,
    readyPath: '/',
    logDir: join(tmpDir, 'logs'),
  });
}

/** The plain grpc-js baseline (bench/servers/grpc-read-stream.ts) streaming `file`; ready once its port answers. */
export async function startGrpcReadStream(file: string, tmpDir: string): Promise<RunningServer & { address: string }> {
  const port = await freePort();
  const server = await spawnServer({
    name: 'grpc-read-stream',
    command: process.execPath,
    args: tsxArgs(join(REPO_ROOT, 'bench/servers/grpc-read-stream.ts'), [file, String(port)]),
    port,
    readyPath: null,
    logDir: join(tmpDir, 'logs'),
  });
  return { ...server, address: `127.0.0.1:${port}` };
}

/** graphql-yoga's hello world; with `workers` above 1, that many node:cluster workers on the one port. */
export async function startYogaHello(tmpDir: string, workers = 1): Promise<RunningServer> {
  const port = await freePort();
  return spawnServer({
    name: workers > 1 ? `yoga-hello-${workers}w` : 'yoga-hello',
    command: process.execPath,
    args: tsxArgs(join(REPO_ROOT, 'bench/servers/yoga-hello.ts'), [String(port), String(workers)]),
    port,
    readyPath: '/graphql',
    logDir: join(tmpDir, 'logs'),
  });
}

export async function startYogaUpload(tmpDir: string): Promise<RunningServer> {
  const port = await freePort();
  return spawnServer({
    name: 'yoga-upload',
    command: process.execPath,
    args: tsxArgs(join(REPO_ROOT, 'bench/servers/yoga-upload.ts'), [String(port)]),
    port,
    readyPath: '/graphql',
    logDir: join(tmpDir, 'logs'),
  });
}

/**
 * `ipfrs serve --public` on a store: downloads without signatures, as a public gateway serves them. With
 * `profileDir`, node writes a CPU profile there when the server exits (bench --profile).
 */
export async function startIpfrs(store: string, tmpDir: string, name = 'ipfrs', profileDir?: string, grpcPort = 0, extraArgs: string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
  // gRPC off unless a row asks for it (grpcPort): the HTTP rows measure the HTTP server alone.
  const serve = ['serve', '--store', store, '--host', '127.0.0.1', '--port', String(port), '--grpc-port', String(grpcPort), '--public'];
  return spawnServer({
    name,
    command: process.execPath,
    args: [...profile, ...tsxArgs(join(REPO_ROOT, 'src/cli.ts'), [...serve, ...extraArgs])],
    port,
    readyPath: '/healthz',
    logDir: join(tmpDir, 'logs'),
  });
}

/**
 * `startIpfrs` with `--workers N`, resolved once the server has finished starting: every worker listens (cacheStats
 * lists N) and the standby worker, which the primary builds only after that, is built (the primary logs it). A
 * worker being built takes a core for seconds: measured before, the rows would time the server's start-up.
 */
export async function startIpfrsWorkers(store: string, tmpDir: string, workers: number, name = `ipfrs-${workers}w`): Promise<RunningServer> {
  const server = await startIpfrs(store, tmpDir, name, undefined, 0, ['--workers', String(workers)]);
  const query = JSON.stringify({ query: '{ cacheStats { workers { pid } } }' });
  for (let waited = 0; ; waited += 200) {
    try {
      const response = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query, signal: AbortSignal.timeout(5000) });
      const body = (await response.json()) as { data?: { cacheStats: { workers: unknown[] | null } } };
      if ((body.data?.cacheStats.workers?.length ?? 0) >= workers && server.log().includes('"msg":"standby worker built"')) return server;
    } catch {
      // not listening yet
    }
    if (waited > 120_000) {
      await server.stop();
      throw new Error(`${name}: ${workers} workers and the standby were not all ready in 120 s`);
    }
    await sleep(200);
  }
}
