// Load generation: wrk (C, one thread, so it leaves the other core to the server) driven by generated Lua
// scripts, and a plain streaming download for the memory benchmark. Every step is bounded in time.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';

export interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  /** Lua from one of the script builders below; the summary printer is appended. */
  script?: string;
  /** Where the generated scripts go (bench/.tmp). */
  tmpDir: string;
}

export interface LoadResult {
  requests: number;
  bytes: number;
  seconds: number;
  requestsPerSecond: number;
  bytesPerSecond: number;
  p50Micros: number;
  p99Micros: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

/** wrk's own summary as one JSON line, so nothing is parsed out of its human-readable units. */
const SUMMARY = `
function done(summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests":%.0f,"bytes":%.0f,"duration":%.0f,"connect":%.0f,"read":%.0f,' ..
    '"write":%.0f,"status":%.0f,"timeout":%.0f,"p50":%.0f,"p99":%.0f}\\n',
    summary.requests, summary.bytes, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/**
 * Random `Range: bytes=a-b` of `chunk` bytes at 4 KiB-aligned offsets of a `size`-byte resource. The seed is
 * fixed, so every server under test gets the same sequence of ranges.
 */
export function rangeScript(options: { path: string; size: number; chunk: number; seed?: number }): string {
  const slots = Math.floor((options.size - options.chunk) / 4096);
  return `
local path, chunk, slots = ${JSON.stringify(options.path)}, ${options.chunk}, ${slots}
function init(args) math.randomseed(${options.seed ?? 7}) end
function request()
  local start = math.random(0, slots) * 4096
  return wrk.format("GET", path, { Range = "bytes=" .. start .. "-" .. (start + chunk - 1) })
end
`;
}

/** One fixed request, e.g. a GraphQL POST with a JSON body. */
export function requestScript(options: { method: string; path: string; body?: string; headers?: Record<string, string> }): string {
  const headers = Object.entries(options.headers ?? {})
    .map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join('\n');
  return `
wrk.method = ${JSON.stringify(options.method)}
wrk.path = ${JSON.stringify(options.path)}
${options.body === undefined ? '' : `wrk.body = ${luaString(options.body)}`}
${headers}
`;
}

/** Lua long brackets never need escaping, as long as the level is not in the text. */
function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

export async function runWrk(wrk: string, options: LoadOptions): Promise<LoadResult> {
  mkdirSync(options.tmpDir, { recursive: true });
  const lua = `${options.script ?? ''}\n${SUMMARY}`;
  const scriptPath = join(options.tmpDir, `wrk-${createHash('sha1').update(lua).digest('hex').slice(0, 12)}.lua`);
  writeFileSync(scriptPath, lua);
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '-s', scriptPath, options.url];
  const { stdout, stderr, code } = await runBounded(wrk, args, (options.seconds + 20) * 1000);
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (code !== 0 || !line) throw new Error(`wrk ${args.join(' ')} failed (exit ${code}): ${stderr || stdout}`.slice(0, 2000));
  const s = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
  const seconds = s.duration! / 1e6;
  return {
    requests: s.requests!,
    bytes: s.bytes!,
    seconds,
    requestsPerSecond: s.requests! / seconds,
    bytesPerSecond: s.bytes! / seconds,
    p50Micros: s.p50!,
    p99Micros: s.p99!,
    errors: { connect: s.connect!, read: s.read!, write: s.write!, status: s.status!, timeout: s.timeout! },
  };
}

export function errorCount(result: LoadResult): number {
  const e = result.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

/** Runs a program with a hard deadline: a hung load generator must not hang the benchmark. */
export function runBounded(file: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr: signal ? `${stderr}\nkilled by ${signal} after ${timeoutMs} ms` : stderr, code });
    });
  });
}

/**
 * GETs `url` and throws the bytes away, within `timeoutMs`. curl (C) when there is one, so the client is not what
 * limits the speed; else node:http in this process.
 */
export async function download(url: string, timeoutMs: number, curl: string | null): Promise<{ bytes: number; status: number }> {
  if (curl) {
    const { stdout, stderr, code } = await runBounded(curl, ['-s', '-o', '/dev/null', '-w', '%{http_code} %{size_download}', url], timeoutMs);
    if (code !== 0) throw new Error(`curl ${url} failed (exit ${code}): ${stderr}`);
    const [status, bytes] = stdout.trim().split(' ').map(Number);
    return { status: status!, bytes: bytes! };
  }
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
      response.on('end', () => {
        clearTimeout(deadline);
        resolve({ bytes, status: response.statusCode ?? 0 });
      });
      response.on('error', reject);
    });
    const deadline = setTimeout(() => request.destroy(new Error(`download of ${url} took over ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
  });
}

/** One request, for a sanity check before loading a server: status, headers and body length. */
export async function probe(url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}
