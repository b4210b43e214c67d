// Small hand-written fakes of the GraphQL ports, and helpers to call a yoga instance without a socket.
import { createHash } from 'node:crypto';
import type { FileRecord, Page, TensorFilter, TensorRecord } from '../../src/store/types.ts';
import { StoreError } from '../../src/store/errors.ts';
import { dtypeSize, type DType } from '../../src/tensor/dtype.ts';
import { cStrides, fStrides } from '../../src/tensor/layout.ts';
import { encodeSafetensors, type TensorToEncode } from '../../src/tensor/safetensors-encode.ts';
import type { SlicePlan } from '../../src/tensor/slice.ts';
import { newKeyRing, type KeyRing } from '../../src/http/sign.ts';
import { tokenVerifier } from '../../src/graphql/services/auth.ts';
import type { GraphQLConfig, GraphQLServices } from '../../src/graphql/context.ts';
import type { CacheEntryRecord, CachePort, CacheStatsRecord, ReaderPort, StorePort } from '../../src/graphql/services/ports.ts';
import { signedLinks } from '../../src/graphql/services/links.ts';
import { createYoga, type GraphQLServer, type YogaOptions } from '../../src/graphql/yoga.ts';

export const ADMIN_TOKEN = 'admin-token-for-tests';
export const WRITE_TOKEN = 'write-token-for-tests';
export const READ_TOKEN = 'read-only-token-for-tests';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** CIDv1 raw sha2-256 base32, written out by hand so the fakes need no multiformats. */
export function cidOf(bytes: Uint8Array): string {
  const raw = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), createHash('sha256').update(bytes).digest()]);
  let out = 'b';
  let bits = 0;
  let value = 0;
  for (const byte of raw) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

interface StoredFile {
  record: FileRecord;
  tensors: TensorRecord[];
  bytes: Buffer;
}

function cursor(key: string): string {
  return Buffer.from(key).toString('base64url');
}

function page<T>(items: T[], keyOf: (item: T) => string, first: number, after: string | null | undefined): Page<T> {
  let start = 0;
  if (after) {
    const key = Buffer.from(after, 'base64url').toString();
    const at = items.findIndex((item) => keyOf(item) === key);
    if (at < 0 || cursor(key) !== after) throw new StoreError('INVALID_ARGUMENT', 'invalid cursor: use a cursor this server returned');
    start = at + 1;
  }
  const slice = items.slice(start, start + first);
  return {
    items: slice,
    cursors: slice.map((item) => cursor(keyOf(item))),
    hasNextPage: start + first < items.length,
    hasPreviousPage: start > 0,
    totalCount: () => items.length,
  };
}

/** An in-memory store. `add` takes raw uploads (dtype + shape) and safetensors written by encodeSafetensors. */
export class FakeStore implements StorePort {
  readonly files = new Map<string, StoredFile>();
  private clock = 1_700_000_000_000;

  putSafetensors(tensors: TensorToEncode[], metadata?: Record<string, string>, sourceName = 'model.safetensors'): FileRecord {
    const bytes = encodeSafetensors(tensors, metadata);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const cid = cidOf(bytes);
    let offset = 8 + headerLength;
    const records = tensors.map((t) => {
      const record = this.tensorRecord(cid, t.name, t.dtype, t.shape, offset, t.data.byteLength);
      offset += t.data.byteLength;
      return record;
    });
    return this.put(cid, bytes, 'safetensors', records, metadata ?? null, sourceName);
  }

  putRaw(bytes: Buffer, dtype: DType, shape: number[], name = 'array', options: { fortranOrder?: boolean } = {}): FileRecord {
    const cid = cidOf(bytes);
    const tensor = this.tensorRecord(cid, name, dtype, shape, 0, bytes.byteLength);
    if (options.fortranOrder) {
      tensor.fortranOrder = true;
      tensor.strides = fStrides(shape);
    }
    return this.put(cid, bytes, 'raw', [tensor], null, name);
  }

  bytesOf(cid: string): Buffer {
    const file = this.files.get(cid);
    if (!file) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
    return file.bytes;
  }

  getFile(cid: string): FileRecord | null {
    return this.files.get(cid)?.record ?? null;
  }

  /** The fake's files are all of one leaf (at most 1 MiB), whose UnixFS root is their own CID. */
  ipfsCidOf(cid: string): string | null {
    const file = this.files.get(cid);
    return file && file.bytes.byteLength <= 1 << 20 ? cid : null;
  }

  listFiles(options: { first: number; after?: string | null }): Page<FileRecord> {
    const all = [...this.files.values()].map((f) => f.record).sort((a, b) => a.addedAt - b.addedAt || (a.cid < b.cid ? -1 : 1));
    return page(all, (f) => f.cid, options.first, options.after);
  }

  getTensor(cid: string, name?: string | null): TensorRecord | null {
    const file = this.files.get(cid);
    if (!file) return null;
    if (name === undefined || name === null) {
      if (file.tensors.length > 1) throw new StoreError('INVALID_ARGUMENT', `file ${cid} holds ${file.tensors.length} tensors: give a tensor name`);
      return file.tensors[0] ?? null;
    }
    return file.tensors.find((t) => t.name === name) ?? null;
  }

  listTensors(options: { first: number; after?: string | null; filter?: TensorFilter }): Page<TensorRecord> {
    const f = options.filter ?? {};
    const all = [...this.files.values()]
      .flatMap((file) => file.tensors)
      .filter((t) => (!f.cid || t.cid === f.cid) && (!f.dtype || t.dtype === f.dtype) && (!f.namePrefix || t.name.startsWith(f.namePrefix)))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.cid < b.cid ? -1 : 1));
    return page(all, (t) => `${t.name}\u0000${t.cid}`, options.first, options.after);
  }

  tensorsOf(cid: string): TensorRecord[] {
    return this.files.get(cid)?.tensors ?? [];
  }

  async add(source: AsyncIterable<Uint8Array>, options: { dtype?: DType; shape?: number[]; name?: string; maxBytes?: number }) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > (options.maxBytes ?? Infinity)) throw new StoreError('TOO_LARGE', `file is larger than the limit of ${options.maxBytes} bytes`);
      chunks.push(Buffer.from(chunk));
    }
    const bytes = Buffer.concat(chunks);
    const cid = cidOf(bytes);
    const existing = this.getFile(cid);
    if (existing) return { file: existing, created: false };
    if ((options.dtype === undefined) !== (options.shape === undefined)) throw new StoreError('INVALID_ARGUMENT', 'raw bytes need both a dtype and a shape');
    if (options.dtype && options.shape) {
      const expected = options.shape.reduce((a, b) => a * b, 1) * dtypeSize(options.dtype);
      if (expected !== bytes.byteLength) {
        throw new StoreError('INVALID_FORMAT', `${options.name ?? 'upload'}: ${bytes.byteLength} bytes, but ${options.dtype} ${JSON.stringify(options.shape)} needs ${expected}`);
      }
      return { file: this.putRaw(bytes, options.dtype, options.shape, options.name ?? 'array'), created: true };
    }
    if (bytes.byteLength >= 8) {
      const headerLength = Number(bytes.readBigUInt64LE(0));
      if (headerLength > 0 && 8 + headerLength <= bytes.byteLength) {
        try {
          const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString()) as Record<string, { dtype: DType; shape: number[]; data_offsets: [number, number] }>;
          const { __metadata__: metadata, ...entries } = header as Record<string, unknown>;
          const records = Object.entries(entries as Record<string, { dtype: DType; shape: number[]; data_offsets: [number, number] }>).map(([name, e]) =>
            this.tensorRecord(cid, name, e.dtype, e.shape, 8 + headerLength + e.data_offsets[0], e.data_offsets[1] - e.data_offsets[0]),
          );
          return { file: this.put(cid, bytes, 'safetensors', records, (metadata as Record<string, string>) ?? null, options.name ?? null), created: true };
        } catch {
          // not JSON: fall through to the format error
        }
      }
    }
    throw new StoreError('INVALID_FORMAT', `${options.name ?? 'upload'}: not a safetensors or .npy file (for raw bytes give a dtype and a shape)`);
  }

  remove(cid: string): boolean {
    return this.files.delete(cid);
  }

  private put(cid: string, bytes: Buffer, format: FileRecord['format'], tensors: TensorRecord[], metadata: Record<string, string> | null, sourceName: string | null): FileRecord {
    const record: FileRecord = { cid, size: bytes.byteLength, format, metadata, tensorCount: tensors.length, addedAt: this.clock++, sourceName };
    this.files.set(cid, { record, tensors, bytes });
    return record;
  }

  private tensorRecord(cid: string, name: string, dtype: DType, shape: number[], byteOffset: number, byteLength: number): TensorRecord {
    return {
      cid,
      name,
      dtype,
      shape,
      strides: cStrides(shape),
      elementCount: shape.reduce((a, b) => a * b, 1),
      byteOffset,
      byteLength,
      littleEndian: true,
      fortranOrder: false,
    };
  }
}

/** A cache that counts like the real one: a read of an unmapped file is a miss that maps it, later reads are hits. */
export class FakeCache implements CachePort {
  readonly entries = new Map<string, CacheEntryRecord>();
  hits = 0;
  misses = 0;
  evictions = 0;
  readonly maxEntries = 64;
  readonly maxBytes = 1 << 30;
  readonly warmed: Array<{ cid: string; access: string; populate: boolean }> = [];

  constructor(private readonly store: FakeStore) {}

  touch(cid: string): void {
    const entry = this.entries.get(cid);
    if (entry) {
      this.hits++;
      entry.hits++;
      entry.lastAccess = Date.now();
      this.entries.delete(cid);
      this.entries.set(cid, entry);
      return;
    }
    this.misses++;
    this.entries.set(cid, { cid, path: null, size: this.store.bytesOf(cid).byteLength, hits: 0, lastAccess: Date.now() });
  }

  stats(): CacheStatsRecord {
    const mappedBytes = [...this.entries.values()].reduce((sum, e) => sum + e.size, 0);
    return { entries: this.entries.size, maxEntries: this.maxEntries, mappedBytes, maxBytes: this.maxBytes, hits: this.hits, misses: this.misses, evictions: this.evictions };
  }

  files(): CacheEntryRecord[] {
    return [...this.entries.values()].reverse().map((e) => ({ ...e }));
  }

  clear(): void {
    this.entries.clear();
  }

  evict(cid: string): boolean {
    return this.entries.delete(cid);
  }

  async warm(cid: string, options: { access: 'default' | 'sequential' | 'random' | 'hugepages'; populate: boolean }): Promise<CacheEntryRecord> {
    this.warmed.push({ cid, ...options });
    this.touch(cid);
    return { ...this.entries.get(cid)! };
  }
}

export class FakeReader implements ReaderPort {
  constructor(
    private readonly store: FakeStore,
    private readonly cache: FakeCache,
  ) {}

  readRange(cid: string, start: number, end: number): Buffer {
    this.cache.touch(cid);
    return this.store.bytesOf(cid).subarray(start, end);
  }

  readSlice(tensor: TensorRecord, plan: SlicePlan): Buffer {
    this.cache.touch(tensor.cid);
    const bytes = this.store.bytesOf(tensor.cid);
    const parts: Buffer[] = [];
    for (let i = 0; i < plan.rangeCount; i++) {
      parts.push(bytes.subarray(tensor.byteOffset + plan.ranges[2 * i]!, tensor.byteOffset + plan.ranges[2 * i + 1]!));
    }
    return Buffer.concat(parts);
  }
}

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface Fakes {
  services: GraphQLServices;
  store: FakeStore;
  cache: FakeCache;
  ring: KeyRing;
  logs: LogLine[];
}

export function fakeServices(config: Partial<GraphQLConfig> = {}): Fakes {
  const store = new FakeStore();
  const cache = new FakeCache(store);
  const ring = newKeyRing();
  const logs: LogLine[] = [];
  const log = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, fields });
  const services: GraphQLServices = {
    store,
    cache,
    reader: new FakeReader(store, cache),
    links: signedLinks(ring),
    auth: tokenVerifier([
      { token: ADMIN_TOKEN, scopes: ['admin'] },
      { token: WRITE_TOKEN, scopes: ['write'] },
      { token: READ_TOKEN, scopes: ['read'] },
    ]),
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
    config,
  };
  return { services, store, cache, ring, logs };
}

export function f32(values: number[]): Buffer {
  return Buffer.from(Float32Array.from(values).buffer);
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A small model: a 4x5 F32 matrix, an F16 vector, an I64 vector, a BOOL vector, and a 256 KiB F32 matrix. */
export function seedModel(store: FakeStore): FileRecord {
  const f16 = Buffer.alloc(8);
  [0x3c00, 0x4000, 0x7c00, 0x7e00].forEach((h, i) => f16.writeUInt16LE(h, i * 2)); // 1, 2, +inf, NaN
  const i64 = Buffer.alloc(24);
  [-1n, 2n ** 40n, 7n].forEach((v, i) => i64.writeBigInt64LE(v, i * 8));
  return store.putSafetensors(
    [
      { name: 'weights', dtype: 'F32', shape: [4, 5], data: f32(range(20)) },
      { name: 'half', dtype: 'F16', shape: [4], data: f16 },
      { name: 'ids', dtype: 'I64', shape: [3], data: i64 },
      { name: 'mask', dtype: 'BOOL', shape: [3], data: Buffer.from([1, 0, 1]) },
      { name: 'big', dtype: 'F32', shape: [256, 256], data: f32(range(65536)) },
    ],
    { framework: 'test' },
  );
}

export interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown>; path?: unknown[] }>;
  };
}

/** POST a JSON operation to the yoga instance (no socket). */
export async function post(
  yoga: GraphQLServer,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export function fakeYoga(config: Partial<GraphQLConfig> = {}, options: YogaOptions = {}): Fakes & { yoga: GraphQLServer } {
  const fakes = fakeServices(config);
  return { ...fakes, yoga: createYoga(fakes.services, options) };
}
