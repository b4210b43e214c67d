// Format detection and the one parsing entry point the store uses (read 16 bytes, ask how many more, parse), and
// raw declarations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { thrown } from '../helpers/assert.ts';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { TensorFormatError } from '../../src/tensor/errors.ts';
import { detectFormat, headerBytesNeeded, parseRaw, parseTensorFile } from '../../src/tensor/format.ts';
import { npyHeader } from '../../src/tensor/npy.ts';
import { encodeSafetensors } from '../../src/tensor/safetensors-encode.ts';
import type { ParsedFile } from '../../src/tensor/types.ts';
import { ABUSE_FIXTURE, fixtureFiles } from '../../src/devkit/paths.ts';
import { describeWithPython } from '../helpers/python.ts';

/** What src/store/read-header.ts does with a file's bytes. */
function readLikeTheStore(file: Buffer, name?: string): ParsedFile {
  const head = file.subarray(0, Math.min(16, file.length));
  const needed = headerBytesNeeded(head, file.length);
  return parseTensorFile(file.subarray(0, Math.min(needed, file.length)), file.length, { name });
}

const formatError = (fn: () => unknown): TensorFormatError => thrown(fn, TensorFormatError, 'accepted');

test('every fixture, read as the store reads it, matches python and numpy', () => {
  const files = fixtureFiles();
  const described = describeWithPython(files);
  for (const path of files) {
    const parsed = readLikeTheStore(readFileSync(path), basename(path, '.npy'));
    assert.is(parsed.format, path.endsWith('.npy') ? 'npy' : 'safetensors', path);
    const got = parsed.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset, byteLength: t.byteLength }));
    const want = described[path]!.map((t) => ({ name: t.name ?? basename(path, '.npy'), ...t }));
    assert.equal(got, want.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset, byteLength: t.byteLength })), path);
  }
});

test('the abuse file is recognised as safetensors, nothing past its 16 bytes is asked for, and it is refused', () => {
  const bytes = readFileSync(ABUSE_FIXTURE);
  assert.is(detectFormat(bytes.subarray(0, 16), bytes.length), 'safetensors');
  assert.is(headerBytesNeeded(bytes.subarray(0, 16), bytes.length), 16);
  const error = formatError(() => readLikeTheStore(bytes));
  assert.is(error.code, 'INVALID_HEADER');
  assert.match(error.message, /invalid header length 1000/);
});

test('detectFormat', () => {
  const st = encodeSafetensors([{ name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) }]);
  const padded = Buffer.concat([Buffer.from([10, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{  \n "a":1}')]);
  const table: Array<[string, Uint8Array, number, string | null]> = [
    ['safetensors', st.subarray(0, 16), st.length, 'safetensors'],
    ['whitespace after {', padded.subarray(0, 16), padded.length, 'safetensors'],
    ['empty header {}', Buffer.from('\x02\0\0\0\0\0\0\0{}', 'latin1'), 10, 'safetensors'],
    ['npy', npyHeader('<f4', [2]).subarray(0, 16), 72, 'npy'],
    ['npy magic alone', Buffer.from('\x93NUMPY', 'latin1'), 6, 'npy'],
    ['empty file', Buffer.alloc(0), 0, null],
    ['text', Buffer.from('definitely not a tensor file'), 28, null],
    ['zeros', Buffer.alloc(16), 1000, null],
    ['{ then a digit', Buffer.from('\x05\0\0\0\0\0\0\0{1', 'latin1'), 100, null],
    ['length over 2^48', Buffer.from('\x05\0\0\0\0\0\x01\0{"', 'latin1'), 100, null],
    ['too short for safetensors', Buffer.from('\x01\0\0\0\0\0\0\0{', 'latin1'), 9, null],
    ['wrong magic case', Buffer.from('\x93numpy\x01\x00', 'latin1'), 100, null],
  ];
  for (const [label, head, size, want] of table) assert.is(detectFormat(head, size), want, label);
});

test('raw-looking data is rarely taken for safetensors: 200,000 random 16-byte heads', () => {
  let hits = 0;
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (head) => {
      if (detectFormat(head, 1 << 20) !== null) hits++;
    }),
    { numRuns: 200_000, seed: 5 },
  );
  assert.is(hits, 0);
});

test('headerBytesNeeded: header end for valid length fields, the head itself otherwise', () => {
  const st = encodeSafetensors([{ name: 'a', dtype: 'U8', shape: [3], data: new Uint8Array(3) }]);
  const n = Number(st.readBigUInt64LE(0));
  assert.is(headerBytesNeeded(st.subarray(0, 16), st.length), 8 + n);
  assert.is(headerBytesNeeded(st.subarray(0, 16), 8 + n - 1), 16, 'length past the end');
  const huge = Buffer.from(st.subarray(0, 16));
  huge.writeBigUInt64LE(200_000_000n);
  assert.is(headerBytesNeeded(huge, 2 ** 40), 16, 'over 100 MB');
  const npy = npyHeader('|u1', [5]);
  assert.is(headerBytesNeeded(npy.subarray(0, 16), npy.length + 5), npy.length);
  assert.is(headerBytesNeeded(Buffer.from('hello'), 5), 5, 'unknown: nothing more to read');
});

test('parseTensorFile: unknown content is UNKNOWN_FORMAT; a truncated header says so', () => {
  const unknown = formatError(() => parseTensorFile(Buffer.from('definitely not'), 14));
  assert.is(unknown.code, 'UNKNOWN_FORMAT');
  assert.match(unknown.message, /not a safetensors or \.npy file/);
  assert.is(formatError(() => parseTensorFile(Buffer.alloc(0), 0)).code, 'UNKNOWN_FORMAT');
  const model = readFileSync(fixtureFiles().find((p) => p.endsWith('model.safetensors'))!);
  const truncated = formatError(() => readLikeTheStore(model.subarray(0, 40)));
  assert.match(truncated.message, /header length 136: the file has only 40 bytes/);
  const npy = readFileSync(fixtureFiles(['.npy'])[0]!);
  assert.match(formatError(() => readLikeTheStore(npy.subarray(0, 100))).message, /runs past the end of the file \(100 bytes\)/);
  assert.match(formatError(() => readLikeTheStore(npy.subarray(0, 150))).message, /\.npy data is truncated/);
  assert.is(readLikeTheStore(npy).tensors[0]!.name, 'array', 'a nameless .npy tensor is "array"');
});

test('the .npz fixture (a zip of .npy files) is not taken for a tensor file', () => {
  const npz = readFileSync(fixtureFiles(['.npz'])[0]!);
  assert.is(detectFormat(npz.subarray(0, 16), npz.length), null);
  assert.is(formatError(() => readLikeTheStore(npz)).code, 'UNKNOWN_FORMAT');
});

test('parseRaw: one C-order little-endian tensor when the size is exactly shape x dtype', () => {
  const parsed = parseRaw(24, 'F32', [2, 3], 'weights');
  assert.equal(parsed, {
    format: 'raw',
    metadata: null,
    tensors: [{ name: 'weights', dtype: 'F32', shape: [2, 3], strides: [3, 1], elementCount: 6, byteOffset: 0, byteLength: 24, littleEndian: true, fortranOrder: false }],
  });
  assert.equal(parseRaw(8, 'F64', []).tensors[0]!.shape, [], 'a scalar');
  assert.is(parseRaw(0, 'U8', [0, 5]).tensors[0]!.elementCount, 0, 'empty');
  assert.is(parseRaw(0, 'U8', [5, 0]).tensors[0]!.name, 'array');
});

test('parseRaw: a wrong declaration says what the size allows', () => {
  const table: Array<[number, string, number[], string, RegExp]> = [
    [10, 'F32', [2, 3], 'SIZE_MISMATCH', /the file is 10 bytes but F32 \[2, 3\] needs 24 bytes \(6 elements x 4 bytes\): check the declared shape and dtype \(10 is not a multiple of the 4-byte F32 element size\)/],
    [25, 'F32', [2, 3], 'SIZE_MISMATCH', /25 is not a multiple/],
    [32, 'F32', [2, 3], 'SIZE_MISMATCH', /\(32 bytes hold 8 F32 elements\)/],
    [8, 'U8', [2 ** 30, 2 ** 30, 2 ** 30], 'SIZE_MISMATCH', /needs more than 2\^53 bytes/],
    [8, 'U8', [-8], 'INVALID_SHAPE', /dims must be non-negative integers/],
    [8, 'U8', [2.5], 'INVALID_SHAPE', /non-negative integers/],
    [8, 'F33', [2], 'UNSUPPORTED_DTYPE', /unknown dtype "F33"/],
  ];
  for (const [size, dtype, shape, code, message] of table) {
    const error = formatError(() => parseRaw(size, dtype as never, shape));
    assert.is(error.code, code, `${dtype} ${shape}`);
    assert.match(error.message, message, error.message);
  }
});

test.run();
