// The safetensors header parser and validator. Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON
// (may be padded with spaces), then the data; each tensor's data_offsets count from the end of the header.
import { DTYPES, dtypeSize, isDType, type DType } from './dtype.ts';
import { TensorFormatError } from './errors.ts';
import { findDuplicateKey } from './json-keys.ts';
import { cStrides, elementCountOf, formatShape, isDim } from './layout.ts';
import type { ParsedFile, ParsedTensor } from './types.ts';

/** The reference implementation's limit: a longer header is refused before it is read. */
export const MAX_SAFETENSORS_HEADER = 100_000_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The header length field, or null when fewer than 8 bytes are given. May exceed 2^53 (then it is unsafe). */
export function safetensorsHeaderLength(bytes: Uint8Array): bigint | null {
  if (bytes.length < 8) return null;
  return Buffer.from(bytes.buffer, bytes.byteOffset, 8).readBigUInt64LE(0);
}

/**
 * Bytes from the start of the file needed to parse the header (8 + N), or null when the length field alone shows
 * the file is invalid (over the limit or longer than the file), so that nobody reads a bogus length's worth.
 */
export function safetensorsHeaderBytesNeeded(head: Uint8Array, fileSize: number): number | null {
  const length = safetensorsHeaderLength(head);
  if (length === null || length > BigInt(MAX_SAFETENSORS_HEADER) || 8n + length > BigInt(fileSize)) return null;
  return 8 + Number(length);
}

/**
 * Parses and validates a safetensors header. `bytes` holds at least the first 8 + N bytes of the file, `fileSize`
 * is the whole file's size. Throws TensorFormatError for anything the reference reader would refuse, and for
 * duplicate tensor names (which it would silently collapse).
 */
export function parseSafetensors(bytes: Uint8Array, fileSize: number): ParsedFile {
  const length = safetensorsHeaderLength(bytes);
  if (length === null || fileSize < 8) {
    throw new TensorFormatError('INVALID_HEADER', `file too short for a safetensors header: ${fileSize} bytes, the header length alone takes 8`);
  }
  if (length > BigInt(MAX_SAFETENSORS_HEADER)) {
    throw new TensorFormatError('HEADER_TOO_LARGE', `invalid header length ${length}: over the ${MAX_SAFETENSORS_HEADER} byte (100 MB) limit`);
  }
  const headerLength = Number(length);
  if (8 + headerLength > fileSize) {
    throw new TensorFormatError('INVALID_HEADER', `invalid header length ${headerLength}: the file has only ${fileSize} bytes (${Math.max(0, fileSize - 8)} after the length field); truncated or not a safetensors file`);
  }
  if (bytes.length < 8 + headerLength) {
    throw new TensorFormatError('INVALID_HEADER', `need the first ${8 + headerLength} bytes of the file to read its header, got ${bytes.length}`);
  }
  const header = decodeHeader(bytes.subarray(8, 8 + headerLength));
  const dataStart = 8 + headerLength;
  const dataSize = fileSize - dataStart;

  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(info);
    else entries.push(parseEntry(name, info));
  }
  checkOffsets(entries, dataSize);
  entries.sort((a, b) => a.begin - b.begin || compareNames(a.name, b.name));
  const tensors: ParsedTensor[] = entries.map((e) => ({
    name: e.name,
    dtype: e.dtype,
    shape: e.shape,
    strides: cStrides(e.shape),
    elementCount: e.elementCount,
    byteOffset: dataStart + e.begin,
    byteLength: e.end - e.begin,
    littleEndian: true,
    fortranOrder: false,
  }));
  return { format: 'safetensors', metadata, tensors };
}

interface Entry {
  name: string;
  dtype: DType;
  shape: number[];
  elementCount: number;
  begin: number;
  end: number;
}

function decodeHeader(raw: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new TensorFormatError('INVALID_HEADER', 'invalid header: not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new TensorFormatError('INVALID_HEADER', 'invalid header: the JSON does not start with "{"');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the input, which may hold anything; keep only where it failed.
    const reason = (error as Error).message;
    const at = /position (\d+)/.exec(reason);
    const token = /Unexpected token '(.)'/u.exec(reason);
    const where = at
      ? ` (at character ${Number(at[1]) + 1} of the header)`
      : token
        ? ` (unexpected ${JSON.stringify(token[1])})`
        : /end of JSON/.test(reason)
          ? ' (it ends too early)'
          : '';
    throw new TensorFormatError('INVALID_HEADER', `invalid header: not valid JSON${where}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TensorFormatError('INVALID_HEADER', 'invalid header: the JSON is not an object');
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) {
    throw new TensorFormatError('DUPLICATE_NAME', `invalid header: the key ${JSON.stringify(duplicate)} appears twice`);
  }
  return value as Record<string, unknown>;
}

function parseMetadata(info: unknown): Record<string, string> | null {
  if (info === null) return null;
  if (typeof info !== 'object' || Array.isArray(info)) {
    throw new TensorFormatError('INVALID_HEADER', 'invalid header: __metadata__ must be an object of strings');
  }
  const entries = Object.entries(info);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new TensorFormatError('INVALID_HEADER', `invalid header: __metadata__ value of ${JSON.stringify(key)} is not a string`);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays data and never becomes a prototype.
  return Object.fromEntries(entries) as Record<string, string>;
}

function parseEntry(name: string, info: unknown): Entry {
  const label = `tensor ${JSON.stringify(name)}`;
  if (name === '') throw new TensorFormatError('INVALID_HEADER', 'invalid header: a tensor has an empty name');
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new TensorFormatError('INVALID_HEADER', `invalid header: ${label} is not an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (typeof dtype !== 'string') throw new TensorFormatError('INVALID_HEADER', `invalid header: ${label} has no dtype string`);
  if (!isDType(dtype)) {
    throw new TensorFormatError('UNSUPPORTED_DTYPE', `${label}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${DTYPES.join(' ')})`);
  }
  if (!Array.isArray(shape)) throw new TensorFormatError('INVALID_SHAPE', `invalid header: ${label} has no shape list`);
  if (!shape.every(isDim)) {
    throw new TensorFormatError('INVALID_SHAPE', `${label}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new TensorFormatError('INVALID_OFFSETS', `invalid header: ${label} needs data_offsets [begin, end]`);
  }
  const [begin, end] = offsets as unknown[];
  if (!isDim(begin) || !isDim(end) || end < begin) {
    throw new TensorFormatError('INVALID_OFFSETS', `${label}: data_offsets ${JSON.stringify(offsets)} must be integers with 0 <= begin <= end`);
  }
  const elementCount = elementCountOf(shape);
  const expected = elementCount === null ? null : elementCount * dtypeSize(dtype);
  if (expected === null || !Number.isSafeInteger(expected) || expected !== end - begin) {
    throw new TensorFormatError(
      'SIZE_MISMATCH',
      `${label}: ${dtype} ${formatShape(shape)} needs ${expected === null || !Number.isSafeInteger(expected) ? 'more than 2^53' : expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { name, dtype, shape: shape as number[], elementCount: elementCount!, begin, end };
}

/** The data must be tiled exactly: every byte after the header belongs to exactly one tensor. */
function checkOffsets(entries: Entry[], dataSize: number): void {
  for (const e of entries) {
    if (e.end > dataSize) {
      throw new TensorFormatError('INVALID_OFFSETS', `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] run past the end of the file (${dataSize} data bytes after the header)`);
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end || compareNames(a.name, b.name));
  let covered = 0;
  let previous: Entry | null = null;
  for (const e of sorted) {
    if (e.begin < covered) {
      throw new TensorFormatError('INVALID_OFFSETS', `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${JSON.stringify(previous!.name)} [${previous!.begin}, ${previous!.end}]`);
    }
    if (e.begin > covered) {
      throw new TensorFormatError('INVALID_OFFSETS', `data bytes [${covered}, ${e.begin}) belong to no tensor (a gap before tensor ${JSON.stringify(e.name)})`);
    }
    covered = e.end;
    if (e.end > e.begin) previous = e;
  }
  if (covered !== dataSize) {
    throw new TensorFormatError('INVALID_OFFSETS', `the last ${dataSize - covered} bytes of the file belong to no tensor (tensors end at data offset ${covered}, the data is ${dataSize} bytes)`);
  }
}

/** Code-point order, as SQLite's BINARY collation (UTF-8 bytes) and Python's str sort order names. */
function compareNames(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
  }
  return x.length - y.length;
}
