// The safetensors header parser: every fixture read as an independent reader (python struct + json) reads it, the
// abuse file and a table of malformed headers refused with the right code, and a fuzz of mutated real headers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { DTYPES, dtypeSize } from '../../src/tensor/dtype.ts';
import { TensorFormatError, type TensorFormatErrorCode } from '../../src/tensor/errors.ts';
import { findDuplicateKey } from '../../src/tensor/json-keys.ts';
import { MAX_SAFETENSORS_HEADER, parseSafetensors, safetensorsHeaderBytesNeeded } from '../../src/tensor/safetensors.ts';
import { encodeSafetensors } from '../../src/tensor/safetensors-encode.ts';
import type { ParsedFile } from '../../src/tensor/types.ts';
import { ABUSE_FIXTURE, fixtureFiles } from '../../src/devkit/paths.ts';
import { describeWithPython } from '../helpers/python.ts';
import { mutatedFile } from '../helpers/mutate.ts';

/** A file with this header (object -> JSON, string as is) and data. */
function file(header: unknown, data: Uint8Array | number = 0): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, typeof data === 'number' ? Buffer.alloc(data) : data]);
}

function parse(bytes: Uint8Array, size = bytes.length): ParsedFile {
  return parseSafetensors(bytes, size);
}

function rejects(bytes: Uint8Array, code: TensorFormatErrorCode, message: RegExp, size = bytes.length, label = ''): void {
  try {
    parse(bytes, size);
  } catch (error) {
    assert.instance(error, TensorFormatError, label);
    assert.is((error as TensorFormatError).code, code, `${label}: ${(error as Error).message}`);
    assert.match((error as Error).message, message, label);
    assert.not.match((error as Error).message, /\n/, `${label}: one line`);
    return;
  }
  assert.unreachable(`${label}: accepted`);
}

const safetensorsFixtures = () => fixtureFiles(['.safetensors']);

test('every fixture parses to what python (struct + json) reads: names, dtypes, shapes, absolute offsets, order', () => {
  const files = safetensorsFixtures();
  assert.ok(files.length >= 14, `${files.length} fixtures`);
  const described = describeWithPython(files);
  for (const path of files) {
    const bytes = readFileSync(path);
    const parsed = parse(bytes);
    assert.is(parsed.format, 'safetensors');
    const got = parsed.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset, byteLength: t.byteLength }));
    assert.equal(got, described[path], basename(path));
    for (const t of parsed.tensors) {
      assert.is(t.elementCount * dtypeSize(t.dtype), t.byteLength, t.name);
      assert.ok(t.littleEndian && !t.fortranOrder);
    }
  }
});

test('fixture metadata and layouts', () => {
  const byName = new Map(safetensorsFixtures().map((p) => [p.split('/').slice(-2).join('/'), parse(readFileSync(p))]));
  const overall = byName.get('hf-safetensors-pr84/overall.safetensors')!;
  assert.equal(overall.metadata, { test: 'a' });
  assert.equal(overall.tensors.map((t) => t.dtype), ['U8', 'U16', 'U32', 'I8', 'F64', 'F16', 'F32', 'I16', 'I32']);
  assert.is(byName.get('narsil-safetensors-distributed/test.safetensors')!.metadata, null);
  const model = byName.get('syoyo-safetensors-cpp/model.safetensors')!;
  assert.equal(model.tensors.map((t) => [t.name, t.shape, t.strides]), [['weight1', [8, 8], [8, 1]], ['weight2', [16, 16], [16, 1]]]);
  const voices = byName.get('candle/voices.safetensors')!;
  assert.equal(voices.tensors.map((t) => [t.name, t.dtype, t.strides]), [['tokens', 'I64', [32406, 33, 1]], ['mask', 'U8', [32406, 33, 1]]]);
});

test('the abuse file (header length 1000 in an 88-byte file) is refused, saying why', () => {
  const bytes = readFileSync(ABUSE_FIXTURE);
  rejects(bytes, 'INVALID_HEADER', /invalid header length 1000: the file has only 88 bytes/);
  assert.is(safetensorsHeaderBytesNeeded(bytes.subarray(0, 16), bytes.length), null, 'nothing should read 1008 bytes');
});

test('header length checks come before any reading: over 100 MB, past the end, too short', () => {
  const head = Buffer.alloc(16);
  head.writeBigUInt64LE(BigInt(MAX_SAFETENSORS_HEADER + 1));
  rejects(head, 'HEADER_TOO_LARGE', /over the 100000000 byte \(100 MB\) limit/, 2 ** 40);
  head.writeBigUInt64LE(2n ** 64n - 1n);
  rejects(head, 'HEADER_TOO_LARGE', /18446744073709551615/, 2 ** 40);
  assert.is(safetensorsHeaderBytesNeeded(head, 2 ** 40), null);
  head.writeBigUInt64LE(BigInt(MAX_SAFETENSORS_HEADER));
  assert.is(safetensorsHeaderBytesNeeded(head, 2 ** 40), 8 + MAX_SAFETENSORS_HEADER, 'exactly 100 MB is allowed');
  rejects(head, 'INVALID_HEADER', /need the first 100000008 bytes/, 2 ** 40);
  rejects(Buffer.alloc(5), 'INVALID_HEADER', /too short/);
  const model = readFileSync(safetensorsFixtures().find((p) => p.endsWith('model.safetensors'))!);
  rejects(model.subarray(0, 40), 'INVALID_HEADER', /invalid header length 136: the file has only 40 bytes/);
});

const F32_2x2 = { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] };

test('malformed headers: each refused with its code and a message that says what', () => {
  const cases: Array<[string, Buffer, TensorFormatErrorCode, RegExp]> = [
    ['not JSON', file('{"a": '), 'INVALID_HEADER', /not valid JSON \(it ends too early\)/],
    ['not JSON inside', file('{"a": x}'), 'INVALID_HEADER', /not valid JSON \(unexpected "x"\)/],
    ['JSON with text after it', file('{"a": 1} 2'), 'INVALID_HEADER', /not valid JSON \(at character 10 of the header\)/],
    ['trailing garbage', file('{} x'), 'INVALID_HEADER', /not valid JSON/],
    ['NUL padding', file('{}\0\0'), 'INVALID_HEADER', /not valid JSON/],
    ['an array', file('[1, 2]'), 'INVALID_HEADER', /does not start with "\{"/],
    ['leading space', file(' {}'), 'INVALID_HEADER', /does not start with "\{"/],
    ['bad UTF-8', file(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]).toString('latin1')), 'INVALID_HEADER', /./],
    ['invalid UTF-8 bytes', Buffer.concat([file('{"\u00ff":1}').subarray(0, 10), Buffer.from([0xff]), file('{"\u00ff":1}').subarray(11)]), 'INVALID_HEADER', /UTF-8/],
    ['metadata not an object', file({ __metadata__: ['a'] }), 'INVALID_HEADER', /__metadata__ must be an object of strings/],
    ['metadata value not a string', file({ __metadata__: { n: 1 } }), 'INVALID_HEADER', /__metadata__ value of "n" is not a string/],
    ['entry not an object', file({ w: [1, 2] }), 'INVALID_HEADER', /tensor "w" is not an object/],
    ['entry null', file({ w: null }), 'INVALID_HEADER', /tensor "w" is not an object/],
    ['no dtype', file({ w: { shape: [1], data_offsets: [0, 1] } }, 1), 'INVALID_HEADER', /no dtype/],
    ['unknown dtype', file({ w: { ...F32_2x2, dtype: 'F4' } }, 16), 'UNSUPPORTED_DTYPE', /unsupported dtype "F4" \(supported: BOOL U8/],
    ['lower-case dtype', file({ w: { ...F32_2x2, dtype: 'f32' } }, 16), 'UNSUPPORTED_DTYPE', /"f32"/],
    ['complex dtype', file({ w: { ...F32_2x2, dtype: 'C64' } }, 16), 'UNSUPPORTED_DTYPE', /C64/],
    ['no shape', file({ w: { dtype: 'U8', data_offsets: [0, 1] } }, 1), 'INVALID_SHAPE', /no shape list/],
    ['negative dim', file({ w: { ...F32_2x2, shape: [-2, -2] } }, 16), 'INVALID_SHAPE', /shape \[-2,-2\] must hold non-negative integers/],
    ['fractional dim', file({ w: { ...F32_2x2, shape: [2.5, 2] } }, 16), 'INVALID_SHAPE', /non-negative integers/],
    ['string dim', file({ w: { ...F32_2x2, shape: ['2', 2] } }, 16), 'INVALID_SHAPE', /non-negative integers/],
    ['unsafe dim', file('{"w":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,1]}}', 1), 'INVALID_SHAPE', /non-negative integers/],
    ['no offsets', file({ w: { dtype: 'U8', shape: [1] } }, 1), 'INVALID_OFFSETS', /needs data_offsets \[begin, end\]/],
    ['one offset', file({ w: { dtype: 'U8', shape: [1], data_offsets: [1] } }, 1), 'INVALID_OFFSETS', /needs data_offsets/],
    ['end before begin', file({ w: { dtype: 'U8', shape: [0], data_offsets: [4, 2] } }, 4), 'INVALID_OFFSETS', /0 <= begin <= end/],
    ['negative offset', file({ w: { dtype: 'U8', shape: [4], data_offsets: [-1, 3] } }, 4), 'INVALID_OFFSETS', /0 <= begin <= end/],
    ['string offset', file({ w: { dtype: 'U8', shape: [4], data_offsets: [0, '4'] } }, 4), 'INVALID_OFFSETS', /0 <= begin <= end/],
    ['dtype x shape != offsets', file({ w: { ...F32_2x2, data_offsets: [0, 12] } }, 12), 'SIZE_MISMATCH', /F32 \[2, 2\] needs 16 bytes but data_offsets \[0, 12\] hold 12/],
    ['shape product overflows', file({ w: { dtype: 'F64', shape: [2 ** 30, 2 ** 30], data_offsets: [0, 8] } }, 8), 'SIZE_MISMATCH', /more than 2\^53/],
    ['bytes overflow', file({ w: { dtype: 'F64', shape: [2 ** 51], data_offsets: [0, 8] } }, 8), 'SIZE_MISMATCH', /more than 2\^53/],
    ['runs past the end', file({ w: F32_2x2 }, 8), 'INVALID_OFFSETS', /tensor "w": data_offsets \[0, 16\] run past the end of the file \(8 data bytes/],
    ['overlap', file({ a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [8], data_offsets: [4, 12] } }, 12), 'INVALID_OFFSETS', /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/],
    ['same offsets twice', file({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, 4), 'INVALID_OFFSETS', /overlap/],
    ['empty tensor inside another', file({ a: { dtype: 'U8', shape: [8], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [0], data_offsets: [4, 4] } }, 8), 'INVALID_OFFSETS', /overlap/],
    ['gap between', file({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] }, b: { dtype: 'U8', shape: [4], data_offsets: [8, 12] } }, 12), 'INVALID_OFFSETS', /data bytes \[4, 8\) belong to no tensor \(a gap before tensor "b"\)/],
    ['gap at the start', file({ a: { dtype: 'U8', shape: [4], data_offsets: [4, 8] } }, 8), 'INVALID_OFFSETS', /\[0, 4\) belong to no tensor/],
    ['trailing bytes', file({ a: { dtype: 'U8', shape: [4], data_offsets: [0, 4] } }, 6), 'INVALID_OFFSETS', /last 2 bytes of the file belong to no tensor/],
    ['data but no tensors', file({}, 3), 'INVALID_OFFSETS', /last 3 bytes/],
    ['duplicate tensor name', file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2), 'DUPLICATE_NAME', /the key "a" appears twice/],
    ['duplicate spelled with an escape', file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0061":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1), 'DUPLICATE_NAME', /"a" appears twice/],
    ['duplicate key inside an entry', file('{"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}', 1), 'DUPLICATE_NAME', /"dtype" appears twice/],
    ['empty name', file({ '': { dtype: 'U8', shape: [1], data_offsets: [0, 1] } }, 1), 'INVALID_HEADER', /empty name/],
    ['a name with a newline stays one line', file({ 'a\nb': { dtype: 'U8', shape: [2], data_offsets: [0, 1] } }, 1), 'SIZE_MISMATCH', /tensor "a\\nb"/],
  ];
  for (const [label, bytes, code, message] of cases) rejects(bytes, code, message, bytes.length, label);
});

test('valid headers: every dtype, scalars, empty tensors, padding, metadata, an empty file', () => {
  const tensors = DTYPES.map((dtype) => ({ name: `t_${dtype}`, dtype, shape: [2, 3], data: new Uint8Array(6 * dtypeSize(dtype)) }));
  const all = parse(encodeSafetensors(tensors, { format: 'pt' }));
  assert.equal(all.tensors.map((t) => [t.name, t.dtype, t.byteLength, t.elementCount]), tensors.map((t) => [t.name, t.dtype, t.data.length, 6]));
  assert.equal(all.metadata, { format: 'pt' });

  const scalar = parse(file({ s: { dtype: 'F64', shape: [], data_offsets: [0, 8] } }, 8)).tensors[0]!;
  assert.equal([scalar.shape, scalar.strides, scalar.elementCount, scalar.byteLength], [[], [], 1, 8]);

  const empty = parse(file({ z: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] }, a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, 2));
  assert.equal(empty.tensors.map((t) => [t.name, t.byteOffset, t.byteLength, t.elementCount]), [['a', empty.tensors[0]!.byteOffset, 2, 2], ['z', empty.tensors[0]!.byteOffset, 0, 0]]);

  const padded = parse(file('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}' + ' '.repeat(1000), 1));
  assert.is(padded.tensors[0]!.byteOffset, 8 + 53 + 1000);

  assert.equal(parse(file({})), { format: 'safetensors', metadata: null, tensors: [] });
  assert.is(parse(file({ __metadata__: null })).metadata, null);
  assert.equal(parse(file({ __metadata__: {} })).metadata, {});
  const ignored = parse(file({ w: { dtype: 'U8', shape: [1], data_offsets: [0, 1], extra: [1, 2] } }, 1));
  assert.is(ignored.tensors.length, 1, 'unknown keys in an entry are ignored, as the reference reader does');
});

test('__proto__ in metadata or as a tensor name stays plain data', () => {
  const parsed = parse(file('{"__metadata__":{"__proto__":"x","a":"b"},"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1));
  assert.equal(Object.keys(parsed.metadata!), ['__proto__', 'a']);
  assert.is(Object.getPrototypeOf(parsed.metadata), Object.prototype);
  assert.is(parsed.metadata!.__proto__ as unknown, 'x');
  assert.is(parsed.tensors[0]!.name, '__proto__');
});

test('tensors come ordered by data offset then name, whatever the header order', () => {
  const bytes = file({
    c: { dtype: 'U8', shape: [1], data_offsets: [3, 4] },
    b: { dtype: 'U8', shape: [0], data_offsets: [1, 1] },
    a: { dtype: 'U8', shape: [1], data_offsets: [1, 2] },
    z: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
    d: { dtype: 'U8', shape: [1], data_offsets: [2, 3] },
  }, 4);
  assert.equal(parse(bytes).tensors.map((t) => t.name), ['z', 'a', 'b', 'd', 'c']);
});

test('encodeSafetensors output parses back to what was encoded', () => {
  const tensors = [
    { name: 'x', dtype: 'BF16' as const, shape: [3], data: new Uint8Array(6) },
    { name: 'y.weight', dtype: 'I64' as const, shape: [2, 1, 2], data: new Uint8Array(32) },
  ];
  const bytes = encodeSafetensors(tensors, { k: 'v' });
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.is(headerLength % 8, 0);
  const parsed = parse(bytes);
  assert.equal(parsed.tensors.map((t) => [t.name, t.dtype, t.shape, t.byteOffset - 8 - headerLength, t.byteLength]), [['x', 'BF16', [3], 0, 6], ['y.weight', 'I64', [2, 1, 2], 6, 32]]);
});

test('findDuplicateKey: at every depth, after unescaping, not confused by strings or arrays', () => {
  const table: Array<[string, string | null]> = [
    ['{}', null], ['{"a":1,"b":2}', null], ['{"a":1,"a":2}', 'a'], ['{"a":{"x":1},"b":{"x":2}}', null],
    ['{"a":{"x":1,"x":2}}', 'x'], ['{"a":["a","a"],"b":"a"}', null], ['{"a":"\\"a\\"","\\"a\\"":1}', null],
    ['{"\\u0041":1,"A":2}', 'A'], ['[{"a":1},{"a":1}]', null], ['{"a":[{"b":1,"b":1}]}', 'b'], ['{"a,":1,"a":2}', null],
    ['{"x":"}","x":1}', 'x'],
  ];
  for (const [text, want] of table) assert.is(findDuplicateKey(text), want, text);
});

/** Small fixtures whole; big ones as header + a little data, with the rest of their size claimed. */
function fuzzSeeds(): { files: Array<[string, Uint8Array]>; extra: Map<string, number> } {
  const files: Array<[string, Uint8Array]> = [];
  const extra = new Map<string, number>();
  for (const path of [...safetensorsFixtures(), ABUSE_FIXTURE]) {
    const bytes = readFileSync(path);
    const label = path.split('/').slice(-2).join('/');
    if (bytes.length <= 4096) {
      files.push([label, bytes]);
    } else {
      const keep = 8 + Number(bytes.readBigUInt64LE(0)) + 64;
      files.push([label, bytes.subarray(0, keep)]);
      extra.set(label, bytes.length - keep);
    }
  }
  return { files, extra };
}

test('fuzz: 12,000 mutated real headers; only TensorFormatError escapes, accepted tensors lie inside the file', () => {
  const { files, extra } = fuzzSeeds();
  let accepted = 0;
  fc.assert(
    fc.property(mutatedFile(files, (label) => extra.get(label) ?? 0), ({ bytes, size }) => {
      let parsed: ParsedFile;
      try {
        parsed = parseSafetensors(bytes, size);
      } catch (error) {
        if (error instanceof TensorFormatError) return;
        throw error;
      }
      accepted++;
      const headerEnd = 8 + Number(Buffer.from(bytes).readBigUInt64LE(0));
      let previousEnd = headerEnd;
      for (const t of [...parsed.tensors].sort((a, b) => a.byteOffset - b.byteOffset || a.byteLength - b.byteLength)) {
        assert.ok(Number.isSafeInteger(t.byteOffset) && Number.isSafeInteger(t.byteLength));
        assert.ok(t.byteOffset >= previousEnd, 'no overlap, nothing inside the header');
        assert.ok(t.byteOffset + t.byteLength <= size, `${t.name} ends at ${t.byteOffset + t.byteLength} > ${size}`);
        assert.is(t.elementCount * dtypeSize(t.dtype), t.byteLength);
        previousEnd = t.byteOffset + t.byteLength;
      }
      if (parsed.tensors.length > 0) assert.is(previousEnd, size, 'the data is tiled exactly');
    }),
    { numRuns: 12_000, seed: 20240501 },
  );
  assert.ok(accepted > 100, `only ${accepted} mutants were accepted: the fuzz should reach the validation`);
});

test.run();
