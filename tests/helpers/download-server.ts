// A real store (temp folder), the real mmap cache and reader, and the download route on a node:http server on an
// ephemeral port: what the route tests, the nginx comparison and the client tests share.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createDownloadRoute, type DownloadOptions } from '../../src/http/download.ts';
import { attachDownloadLane } from '../../src/server/lane/download-lane.ts';
import { newKeyRing, signPath, type KeyRing } from '../../src/http/sign.ts';
import { MmapCache } from '../../src/mmap/index.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import type { FileRecord } from '../../src/store/types.ts';
import { encodeSafetensors } from '../../src/tensor/safetensors-encode.ts';
import { tempDir } from '../../src/devkit/paths.ts';

/** Deterministic bytes that differ at every offset (so a shifted range never compares equal by luck). */
export function patternBytes(n: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(n);
  let block = createHash('sha256').update(`seed${seed}`).digest();
  for (let offset = 0; offset < n; offset += 32) {
    block.copy(out, offset, 0, Math.min(32, n - offset));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export function f32(values: ArrayLike<number>): Buffer {
  return Buffer.from(Float32Array.from(values).buffer);
}

export interface ModelFile {
  record: FileRecord;
  bytes: Buffer;
  /** w: F32 [64, 64] with w[r][c] = r * 64 + c; b: BF16 [16, 24]; v: F32 [10]; s: F32 []; e: F32 [0, 4]. */
  w: Float32Array;
}

export interface Fixture {
  dir: { path: string; cleanup(): void };
  store: TensorStore;
  cache: MmapCache;
  reader: TensorReader;
  /** A raw U8 file of BLOB_SIZE pattern bytes. */
  blob: { record: FileRecord; bytes: Buffer };
  model: ModelFile;
  close(): void;
}

export const BLOB_SIZE = 10_000;

export async function makeFixture(): Promise<Fixture> {
  const dir = tempDir('ipfrs-download-');
  const store = TensorStore.open(join(dir.path, 'store'));
  const cache = new MmapCache({ maxEntries: 16 });
  const reader = new TensorReader(store, cache);
  const blobBytes = patternBytes(BLOB_SIZE);
  const blob = await store.add(once(blobBytes), { dtype: 'U8', shape: [BLOB_SIZE], name: 'pattern.bin' });
  const w = Float32Array.from({ length: 64 * 64 }, (_, i) => i);
  const modelBytes = encodeSafetensors([
    { name: 'w', dtype: 'F32', shape: [64, 64], data: new Uint8Array(w.buffer) },
    { name: 'b', dtype: 'BF16', shape: [16, 24], data: patternBytes(16 * 24 * 2, 2) },
    { name: 'v', dtype: 'F32', shape: [10], data: f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) },
    { name: 's', dtype: 'F32', shape: [], data: f32([1.5]) },
    { name: 'e', dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) },
    { name: 'enc/layer 0/k.é', dtype: 'U8', shape: [3], data: Uint8Array.from([7, 8, 9]) },
  ]);
  const model = await store.add(once(modelBytes), { name: 'model.safetensors' });
  return {
    dir,
    store,
    cache,
    reader,
    blob: { record: blob.file, bytes: blobBytes },
    model: { record: model.file, bytes: modelBytes, w },
    close() {
      cache.clear();
      store.close();
      dir.cleanup();
    },
  };
}

export async function* once(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

export interface RouteServer {
  server: Server;
  port: number;
  url: string;
  ring: KeyRing;
  metrics: Metrics;
  /** Unix seconds the route believes it is; tests may move it. */
  clock: { now: number | null };
  /** path (canonical) + signed query, for `params` (slice, format) and `expiresIn` seconds. */
  sign(path: string, params?: Record<string, string>, expiresIn?: number): string;
  close(): Promise<void>;
}

/**
 * How requests reach the route: 'lane' as the server runs it (download-lane.ts answers, node:http takes whatever
 * it hands over), or 'node' (node:http only, route.handle).
 */
export type Transport = 'lane' | 'node';
export const TRANSPORTS: readonly Transport[] = ['lane', 'node'];

export async function startRoute(fixture: Fixture, options: Partial<DownloadOptions> & { transport?: Transport } = {}): Promise<RouteServer> {
  const ring = options.ring?.() ?? newKeyRing();
  const metrics = new Metrics();
  const clock: { now: number | null } = { now: null };
  const route = createDownloadRoute({
    store: fixture.store,
    reader: fixture.reader,
    ring: () => ring,
    metrics,
    logger: silentLogger,
    now: () => clock.now ?? Date.now() / 1000,
    ...options,
  });
  const server = createServer((req, res) => void route.handle(req, res));
  const lane = (options.transport ?? 'lane') === 'lane' ? attachDownloadLane(server, { route, keepAliveTimeoutMs: 5000, headersTimeoutMs: 60_000, closing: () => false }) : null;
  if (options.transport !== 'node' && !lane) throw new Error('the download lane could not be attached to node:http');
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    ring,
    metrics,
    clock,
    sign: (path, params = {}, expiresIn = 900) => signPath(path, params, { ring, expiresIn }).url,
    close: () =>
      new Promise<void>((resolve) => {
        lane?.closeAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Parts of a multipart/byteranges body: each part's headers (lower-cased) and bytes. */
export function parseMultipart(body: Buffer, contentType: string): Array<{ headers: Record<string, string>; body: Buffer }> {
  const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: Array<{ headers: Record<string, string>; body: Buffer }> = [];
  let at = body.indexOf(delimiter);
  if (at !== 0) throw new Error('a multipart body must start with CRLF and the delimiter');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') break; // the close delimiter
    const headEnd = body.indexOf('\r\n\r\n', at);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(at + 2, headEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(delimiter, headEnd + 4);
    if (next < 0) throw new Error('unterminated multipart body');
    parts.push({ headers, body: body.subarray(headEnd + 4, next) });
    at = next;
  }
  return parts;
}
