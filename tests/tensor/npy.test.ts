// The .npy header parser and writer: files numpy writes (every dtype, both byte orders, C and Fortran order,
// 0-d and empty, versions 1.0/2.0/3.0) parse to what numpy says; npyHeader writes numpy's bytes exactly; malformed
// headers are refused with a clear reason; a fuzz of mutated real headers lets only TensorFormatError out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TensorFormatError, type TensorFormatErrorCode } from '../../src/tensor/errors.ts';
import { dtypeSize, parseNumpyDescr } from '../../src/tensor/dtype.ts';
import { MAX_NPY_HEADER, npyHeader, npyHeaderBytesNeeded, parseNpy } from '../../src/tensor/npy.ts';
import type { ParsedFile } from '../../src/tensor/types.ts';
import { fixtureFiles, tempDir } from '../../src/devkit/paths.ts';
import { describeWithPython, PYTHON } from '../helpers/python.ts';
import { mutatedFile } from '../helpers/mutate.ts';

let dir: ReturnType<typeof tempDir>;
interface Written {
  path: string;
  descr: string;
  shape: number[];
  fortran: boolean;
  offset: number;
  nbytes: number;
  version: number;
}
let written: Written[] = [];

// numpy writes one file per case; it reports the data offset (np.load mmap), byte count and layout it used.
const WRITE = `
import json, sys, numpy as np
out = []
for i, (descr, shape, order, version) in enumerate(json.load(sys.stdin)["cases"]):
    n = int(np.prod(shape)) if shape else 1
    a = (np.arange(n) % 7).astype(descr).reshape(shape, order=order)
    path = f"{sys.argv[1]}/case{i}.npy"
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=None if version is None else (version, 0))
    m = np.load(path, mmap_mode="r") if a.size else np.load(path)
    out.append({"path": path, "descr": np.dtype(descr).str, "shape": list(a.shape), "fortran": bool(a.flags.f_contiguous and not a.flags.c_contiguous),
                "offset": (m.offset if a.size else len(open(path, "rb").read())), "nbytes": int(a.nbytes), "version": open(path, "rb").read()[6]})
print(json.dumps(out))
`;

const DESCRS = ['|b1', '|u1', '|i1', '<i2', '>i2', '<u2', '>u2', '<f2', '>f2', '<i4', '>i4', '<u4', '>u4', '<f4', '>f4', '<f8', '>f8', '<i8', '>i8', '<u8', '>u8'];
const SHAPES: number[][] = [[], [0], [5], [2, 3], [3, 0, 2], [2, 3, 4], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 12345678901]];

beforeAll(test, () => {
  dir = tempDir('ipfrs-npy-');
  const cases: Array<[string, number[], string, number | null]> = [];
  for (const descr of DESCRS) for (const shape of SHAPES.slice(0, 6)) cases.push([descr, shape, 'C', null]);
  for (const descr of ['<f4', '>i8', '|u1']) for (const shape of [[2, 3], [2, 3, 4], [4, 1]]) cases.push([descr, shape, 'F', null]);
  for (const version of [1, 2, 3]) cases.push(['<f8', [3, 2], 'C', version], ['>u2', [2, 2], 'F', version]);
  written = JSON.parse(execFileSync(PYTHON, ['-c', WRITE, dir.path], { input: JSON.stringify({ cases }), encoding: 'utf8' }));
});
test.after(() => dir.cleanup());

function parseFile(bytes: Uint8Array, name = 'array'): ParsedFile {
  return parseNpy(bytes, bytes.length, name);
}

test('the fixture test.npy parses to what numpy.load says', () => {
  const path = fixtureFiles(['.npy'])[0]!;
  const [want] = describeWithPython([path])[path]!;
  const t = parseFile(readFileSync(path), 'test').tensors[0]!;
  assert.equal({ dtype: t.dtype, shape: t.shape, byteOffset: t.byteOffset, byteLength: t.byteLength }, want);
  assert.equal([t.name, t.strides, t.littleEndian, t.fortranOrder], ['test', [1], true, false]);
});

test('files numpy writes: every dtype and byte order, C and Fortran, 0-d, empty, versions 1 to 3', () => {
  assert.ok(written.length > 130, `${written.length} files`);
  const versions = new Set<number>();
  for (const w of written) {
    const bytes = readFileSync(w.path);
    const parsed = parseFile(bytes);
    assert.is(parsed.format, 'npy');
    assert.is(parsed.metadata, null);
    const t = parsed.tensors[0]!;
    const info = parseNumpyDescr(w.descr)!;
    const label = `${w.descr} ${JSON.stringify(w.shape)} ${w.fortran ? 'F' : 'C'} v${w.version}`;
    assert.equal(
      { dtype: t.dtype, littleEndian: t.littleEndian, shape: t.shape, fortranOrder: t.fortranOrder, byteOffset: t.byteOffset, byteLength: t.byteLength },
      { dtype: info.dtype, littleEndian: info.littleEndian, shape: w.shape, fortranOrder: w.fortran, byteOffset: w.offset, byteLength: w.nbytes },
      label,
    );
    assert.is(t.elementCount * dtypeSize(t.dtype), t.byteLength, label);
    assert.is(npyHeaderBytesNeeded(bytes.subarray(0, 16), bytes.length), t.byteOffset, label);
    versions.add(w.version);
  }
  assert.equal([...versions].sort(), [1, 2, 3]);
});

test('strides in elements: C order, and column-major for fortran_order', () => {
  const f = written.find((w) => w.fortran && w.shape.length === 3)!;
  assert.equal(parseFile(readFileSync(f.path)).tensors[0]!.strides, [1, 2, 6]);
  const c = written.find((w) => !w.fortran && w.shape.length === 3 && w.shape[1] === 3)!;
  assert.equal(parseFile(readFileSync(c.path)).tensors[0]!.strides, [12, 4, 1]);
  const scalar = written.find((w) => w.shape.length === 0)!;
  assert.equal(parseFile(readFileSync(scalar.path)).tensors[0]!.strides, []);
});

test('npyHeader writes the bytes numpy writes (keys, tuple spelling, growth padding, 64-byte alignment)', () => {
  const cases: Array<[string, number[], boolean]> = [];
  for (const descr of ['<f4', '>f8', '|u1', '|b1', '<i8']) {
    for (const shape of SHAPES) for (const fortran of [false, true]) cases.push([descr, shape, fortran]);
  }
  const script = `
import io, json, sys, numpy as np
out = []
for descr, shape, fortran in json.load(sys.stdin):
    b = io.BytesIO()
    np.lib.format.write_array_header_1_0(b, {"descr": descr, "fortran_order": fortran, "shape": tuple(shape)})
    out.append(b.getvalue().hex())
print(json.dumps(out))`;
  const numpy = JSON.parse(execFileSync(PYTHON, ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' })) as string[];
  cases.forEach(([descr, shape, fortran], i) => {
    const header = npyHeader(descr, shape, fortran);
    assert.is(header.toString('hex'), numpy[i], `${descr} ${JSON.stringify(shape)} ${fortran}`);
    assert.is(header.length % 64, 0);
  });
  assert.match(npyHeader('<f4', [7]).toString('latin1'), /'shape': \(7,\), }/);
  assert.match(npyHeader('<f4', []).toString('latin1'), /'shape': \(\), }/);
});

test('npyHeader + data round-trips through numpy.load and through parseNpy', () => {
  const data = Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
  const path = join(dir.path, 'mine.npy');
  writeFileSync(path, Buffer.concat([npyHeader('<f4', [2, 3], true), data]));
  const script = 'import sys, json, numpy as np\na = np.load(sys.argv[1])\nprint(json.dumps([a.tolist(), a.flags.f_contiguous]))';
  assert.equal(JSON.parse(execFileSync(PYTHON, ['-c', script, path], { encoding: 'utf8' })), [[[1, 3, 5], [2, 4, 6]], true]);
  const t = parseFile(readFileSync(path)).tensors[0]!;
  assert.equal([t.shape, t.fortranOrder, t.byteOffset, t.byteLength], [[2, 3], true, 128, 24]);
});

test('npyHeader switches to version 2.0 when the header would not fit a u16, and that parses back', () => {
  const shape = new Array<number>(25_000).fill(1);
  const header = npyHeader('<f4', shape);
  assert.is(header[6], 2);
  assert.is(header.length % 64, 0);
  assert.is(header.readUInt32LE(8) + 12, header.length);
  const t = parseNpy(Buffer.concat([header, Buffer.alloc(4)]), header.length + 4).tensors[0]!;
  assert.equal([t.shape.length, t.byteOffset, t.elementCount], [25_000, header.length, 1]);
});

/** A .npy with this header text (v1 unless told), then `data` bytes. */
function npy(text: string, data = 0, major = 1, minor = 0): Buffer {
  const body = Buffer.from(text, major === 3 ? 'utf8' : 'latin1');
  const prefix = Buffer.alloc(major === 1 ? 10 : 12);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, minor]).copy(prefix);
  if (major === 1) prefix.writeUInt16LE(body.length, 8);
  else prefix.writeUInt32LE(body.length, 8);
  return Buffer.concat([prefix, body, Buffer.alloc(data)]);
}

const OK_HEADER = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

test('accepted variants: Python 2 longs, double quotes, any key order, no padding, trailing data', () => {
  const table: Array<[string, Buffer, number[]]> = [
    ['as numpy writes it', npy(OK_HEADER, 24), [2, 3]],
    ['Python 2 long ints (v1)', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 24), [2, 3]],
    ['double quotes, other key order', npy('{"shape": (6,), "descr": "<f4", "fortran_order": False}', 24), [6]],
    ['no newline or padding, tabs', npy("{'descr':'<f4',\t'fortran_order':True,'shape':(2,3)}", 24), [2, 3]],
    ['bytes after the data (numpy.load ignores them)', npy(OK_HEADER, 30), [2, 3]],
    ['version 3.0', npy(OK_HEADER, 24, 3), [2, 3]],
    ['version 2.0', npy(OK_HEADER, 24, 2), [2, 3]],
  ];
  for (const [label, bytes, shape] of table) assert.equal(parseFile(bytes).tensors[0]!.shape, shape, label);
});

test('malformed files: each refused with its code and a message that says what', () => {
  const cases: Array<[string, Buffer, TensorFormatErrorCode, RegExp, number?]> = [
    ['bad magic', Buffer.from('\x93NUMPX\x01\x00', 'latin1'), 'INVALID_HEADER', /does not start with \\x93NUMPY/],
    ['only the magic', npy(OK_HEADER).subarray(0, 7), 'INVALID_HEADER', /truncated before the format version/],
    ['no header length', npy(OK_HEADER).subarray(0, 9), 'INVALID_HEADER', /truncated before the header length/],
    ['version 4.0', npy(OK_HEADER, 24, 4), 'INVALID_HEADER', /format version 4\.0 is not one of 1\.0, 2\.0, 3\.0/],
    ['version 1.1', npy(OK_HEADER, 24, 1, 1), 'INVALID_HEADER', /version 1\.1/],
    ['header past the end', npy(OK_HEADER).subarray(0, 40), 'INVALID_HEADER', /runs past the end of the file \(40 bytes\)/],
    ['header over the limit', (() => { const b = npy('{}', 0, 2); b.writeUInt32LE(MAX_NPY_HEADER + 1, 8); return b; })(), 'HEADER_TOO_LARGE', /over the 1048576 byte limit/, 1 << 30],
    ['not a dict', npy("['descr', '<f4']"), 'INVALID_HEADER', /not a dictionary/],
    ['not a literal', npy("{'descr': np.float32}"), 'INVALID_HEADER', /expected a Python literal at character 10/],
    ['text after the dict', npy(OK_HEADER + ' x'), 'INVALID_HEADER', /unexpected text after the literal/],
    ['unterminated string', npy("{'descr: '<f4'}"), 'INVALID_HEADER', /./],
    ['missing key', npy("{'descr': '<f4', 'shape': (2,)}", 8), 'INVALID_HEADER', /keys are \["descr","shape"\], expected exactly \["descr","fortran_order","shape"\]/],
    ['extra key', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 8), 'INVALID_HEADER', /expected exactly/],
    ['non-string key', npy("{1: '<f4', 'fortran_order': False, 'shape': (2,)}", 8), 'INVALID_HEADER', /key is not a string/],
    ['shape is a list', npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3]}", 24), 'INVALID_SHAPE', /shape is not a tuple of integers/],
    ['shape (3) is an int', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", 12), 'INVALID_SHAPE', /not a tuple/],
    ['negative dim', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"), 'INVALID_SHAPE', /non-negative/],
    ['huge dim', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}"), 'INVALID_SHAPE', /non-negative/],
    ['float dim', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0,)}"), 'INVALID_HEADER', /only integers/],
    ['bool dim', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (True,)}"), 'INVALID_SHAPE', /not a tuple of integers/],
    ['fortran_order not a bool', npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", 8), 'INVALID_HEADER', /fortran_order is not True or False/],
    ['descr not a string', npy("{'descr': 4, 'fortran_order': False, 'shape': (2,)}", 8), 'INVALID_HEADER', /descr is not a dtype string/],
    ['structured dtype', npy("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,)}", 16), 'UNSUPPORTED_DTYPE', /structured dtype \(record array\)/],
    ['sub-array dtype', npy("{'descr': ('<f4', (2,)), 'fortran_order': False, 'shape': (2,)}", 16), 'UNSUPPORTED_DTYPE', /sub-array/],
    ['object dtype', npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,)}", 16), 'UNSUPPORTED_DTYPE', /Python objects \(descr "\|O"\), which only pickle can read/],
    ['complex', npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2,)}", 16), 'UNSUPPORTED_DTYPE', /dtype "<c8" is not supported/],
    ['unicode strings', npy("{'descr': '<U3', 'fortran_order': False, 'shape': (2,)}", 24), 'UNSUPPORTED_DTYPE', /"<U3"/],
    ['native byte order', npy("{'descr': '=f4', 'fortran_order': False, 'shape': (2,)}", 8), 'UNSUPPORTED_DTYPE', /"=f4"/],
    ['datetime', npy("{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,)}", 16), 'UNSUPPORTED_DTYPE', /M8/],
    ['data truncated', npy(OK_HEADER, 20), 'SIZE_MISMATCH', /\.npy data is truncated: F32 \[2, 3\] needs 24 bytes after the 69-byte header, the file has 20/],
    ['shape larger than any file', npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"), 'SIZE_MISMATCH', /larger than any file/],
    ['v3 header not UTF-8', Buffer.concat([npy('{}', 0, 3).subarray(0, 12), Buffer.from([0x7b, 0xff, 0x7d])]).fill(3, 8, 9).fill(0, 9, 12), 'INVALID_HEADER', /not valid UTF-8/],
    ['long suffix in v3', npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2L,)}", 8, 3), 'INVALID_HEADER', /only integers/],
    ['nested too deeply', npy("{'descr': " + '['.repeat(100) + ']'.repeat(100) + '}'), 'INVALID_HEADER', /nested too deeply/],
  ];
  for (const [label, bytes, code, message, size] of cases) {
    try {
      parseNpy(bytes, size ?? bytes.length);
      assert.unreachable(`${label}: accepted`);
    } catch (error) {
      assert.instance(error, TensorFormatError, `${label}: ${(error as Error).message}`);
      assert.is((error as TensorFormatError).code, code, `${label}: ${(error as Error).message}`);
      assert.match((error as Error).message, message, `${label}: ${(error as Error).message}`);
      assert.not.match((error as Error).message, /\n/, `${label}: one line`);
    }
  }
});

test('npyHeaderBytesNeeded: the header end, or null when the length field is already wrong', () => {
  const good = npy(OK_HEADER, 24);
  assert.is(npyHeaderBytesNeeded(good.subarray(0, 16), good.length), 69);
  assert.is(npyHeaderBytesNeeded(good.subarray(0, 16), 40), null, 'past the end');
  const big = npy('{}', 0, 2);
  big.writeUInt32LE(0xffffffff, 8);
  assert.is(npyHeaderBytesNeeded(big, 2 ** 40), null, 'over the limit');
  assert.is(npyHeaderBytesNeeded(Buffer.from('not numpy'), 100), null);
});

test('fuzz: 12,000 mutated real .npy headers; only TensorFormatError escapes, accepted data lies inside the file', () => {
  const seeds: Array<[string, Uint8Array]> = [];
  for (const path of fixtureFiles(['.npy'])) seeds.push([path, readFileSync(path)]);
  for (const w of written.filter((_, i) => i % 5 === 0)) seeds.push([w.path, readFileSync(w.path).subarray(0, w.offset + Math.min(w.nbytes, 64))]);
  seeds.push(['v2', npy(OK_HEADER, 24, 2)], ['v3', npy(OK_HEADER, 24, 3)], ['F', npy("{'descr': '>i8', 'fortran_order': True, 'shape': (2, 1), }", 16)]);
  let accepted = 0;
  fc.assert(
    fc.property(mutatedFile(seeds), ({ bytes, size }) => {
      let parsed: ParsedFile;
      try {
        parsed = parseNpy(bytes, size, 'x');
      } catch (error) {
        if (error instanceof TensorFormatError) return;
        throw error;
      }
      accepted++;
      const [t] = parsed.tensors;
      assert.is(parsed.tensors.length, 1);
      assert.ok(t!.byteOffset >= 10 && t!.byteOffset + t!.byteLength <= size, `${t!.byteOffset}+${t!.byteLength} > ${size}`);
      assert.is(t!.elementCount * dtypeSize(t!.dtype), t!.byteLength);
      assert.is(t!.strides.length, t!.shape.length);
    }),
    { numRuns: 12_000, seed: 424242 },
  );
  assert.ok(accepted > 100, `only ${accepted} mutants were accepted`);
});

test.run();
