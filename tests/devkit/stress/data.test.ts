// The stress kit's data and models (src/devkit/stress/data.ts) checked against the project's own code, which they
// stand in for when the harness checks a live server: files it writes parse as the store parses them, its CIDs are
// the store's, and its element-by-element slice model reads the bytes planSlice's ranges cover. Random cases come
// from the kit's seeded PRNG; the seed is in every failure message.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cidOf, dataSet, npyFile, prng, randomBytes, randomSpec, readNpy, safetensorsFile, sliceModel, specText } from '../../../src/devkit/stress/data.ts';
import { cidOfBytes } from '../../../src/store/cid.ts';
import { npyHeader, parseNpy } from '../../../src/tensor/npy.ts';
import { parseSafetensors } from '../../../src/tensor/safetensors.ts';
import { planSlice } from '../../../src/tensor/slice.ts';
import type { DType } from '../../../src/tensor/dtype.ts';

const SEED = Number(process.env.IPFRS_TEST_SEED ?? 20261203);
/** The harness's data set (about 25 MB of seeded random bytes: made once). */
const FILES = dataSet(SEED);

test('prng and randomBytes: the same seed gives the same stream, another seed another', () => {
  const a = prng(SEED);
  const b = prng(SEED);
  const xs = Array.from({ length: 100 }, a);
  assert.equal(Array.from({ length: 100 }, b), xs, `seed ${SEED}`);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.not.equal(Array.from({ length: 100 }, prng(SEED + 1)), xs);
  assert.equal(randomBytes(13, prng(SEED)), randomBytes(13, prng(SEED)));
  assert.is(randomBytes(13, prng(SEED)).byteLength, 13);
});

test('cidOf names bytes as the store does', () => {
  const rand = prng(SEED);
  for (const n of [0, 1, 100, 4096]) {
    const bytes = randomBytes(n, rand);
    assert.is(cidOf(bytes), cidOfBytes(bytes), `seed ${SEED}, ${n} bytes`);
  }
});

test('the files it writes parse as the store parses them, tensor data where the parser finds it', () => {
  for (const file of FILES) {
    const parsed = file.fileName.endsWith('.npy') ? parseNpy(file.bytes, file.bytes.byteLength) : parseSafetensors(file.bytes, file.bytes.byteLength);
    const byName = new Map(parsed.tensors.map((t) => [t.name, t]));
    for (const tensor of file.tensors) {
      const found = file.fileName.endsWith('.npy') ? parsed.tensors[0]! : byName.get(tensor.name)!;
      assert.ok(found, `seed ${SEED}: ${file.fileName} ${tensor.name}`);
      assert.is(found.dtype, tensor.dtype, `${file.fileName} ${tensor.name}`);
      assert.equal(found.shape, tensor.shape, `${file.fileName} ${tensor.name}`);
      assert.ok(file.bytes.subarray(found.byteOffset, found.byteOffset + found.byteLength).equals(tensor.data), `seed ${SEED}: ${file.fileName} ${tensor.name} data`);
    }
  }
  const one = safetensorsFile('one.safetensors', [{ name: 'w', dtype: 'F32', shape: [2, 3] }], prng(SEED));
  assert.is(parseSafetensors(one.bytes, one.bytes.byteLength).metadata?.source, 'ipfrs stress');
  const npy = npyFile('be.npy', '>i4', 'I32', [3, 2], prng(SEED));
  assert.is(parseNpy(npy.bytes, npy.bytes.byteLength).tensors[0]!.littleEndian, false);
});

test('readNpy reads the headers npyHeader writes', () => {
  for (const [descr, shape] of [['<f4', [2, 3]], ['|u1', []], ['>i8', [7]], ['<f8', [0, 4]]] as Array<[string, number[]]>) {
    const header = npyHeader(descr, shape);
    assert.equal(readNpy(Buffer.concat([header, Buffer.alloc(8)])), { shape, descr, dataOffset: header.byteLength }, descr);
  }
  assert.is(readNpy(Buffer.from('not a npy file')), null);
});

test('sliceModel agrees with planSlice on random specs: the shape, and the bytes its ranges cover', () => {
  const rand = prng(SEED);
  let compared = 0;
  for (const file of FILES) {
    for (const tensor of file.tensors) {
      if (tensor.shape.length > 2 || tensor.data.byteLength > 256 << 10) continue; // the model walks elements one by one
      for (let i = 0; i < 30; i++) {
        const axes = randomSpec(tensor.shape, rand);
        const spec = specText(axes);
        const model = sliceModel(tensor, axes);
        const where = `seed ${SEED}: ${file.fileName} ${tensor.name}${JSON.stringify(tensor.shape)}[${spec}]`;
        let plan;
        try {
          plan = planSlice({ shape: tensor.shape, dtype: tensor.dtype as DType }, spec);
        } catch {
          assert.is(model, null, `${where}: planSlice refused what the model answers`);
          continue;
        }
        assert.ok(model, `${where}: the model refused what planSlice plans`);
        assert.equal(plan.shape, model.shape, where);
        const parts: Buffer[] = [];
        for (let r = 0; r < plan.ranges.length; r += 2) parts.push(tensor.data.subarray(plan.ranges[r]!, plan.ranges[r + 1]!));
        assert.ok(Buffer.concat(parts).equals(model.bytes), `${where}: bytes`);
        compared++;
      }
    }
  }
  assert.ok(compared > 50, `${compared} slices compared (seed ${SEED})`);
});

test.run();
