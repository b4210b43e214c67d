// Fuzz end to end, through the real store and the mmap reader (tests/tensor/*.test.ts fuzz the header parsers
// alone): mutated real files from tests/fixtures are added with TensorStore.add, and every file the store
// accepts is then read back through TensorReader over a real MmapCache, whole tensors and random slices. Only a
// StoreError may escape the add; nothing that was accepted may fail to read, or read a byte past the end of its
// file (the mapping is exactly the file, so that would be MmapError INVALID_RANGE, or SIGBUS).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MmapCache } from '../../src/mmap/index.ts';
import { StoreError } from '../../src/store/errors.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { SliceSpecError } from '../../src/tensor/errors.ts';
import { fixtureFiles, tempDir } from '../../src/devkit/paths.ts';

const SCALE = Math.max(1, Number(process.env.IPFRS_FUZZ_SCALE ?? 1) || 1);
const RUNS = 600 * SCALE;

// Real files up to 256 KiB (the header is what matters; big data only slows the run).
const seeds = fixtureFiles()
  .filter((path) => statSync(path).size <= 256 * 1024)
  .map((path) => ({ name: path.split('/').pop()!, bytes: readFileSync(path) }));

/** Where the header ends: 8 + n for safetensors, the preamble + n for .npy. */
function headerEnd(bytes: Buffer): number {
  if (bytes.length >= 10 && bytes[0] === 0x93) return bytes[6] === 1 ? 10 + bytes.readUInt16LE(8) : 12 + bytes.readUInt32LE(8);
  return bytes.length >= 8 ? Math.min(bytes.length, 8 + Number(bytes.readBigUInt64LE(0) & 0xffffffn)) : bytes.length;
}

const mutation = fc.oneof(
  // Unchanged, or a blank of the header respelt (JSON and Python both allow it): files that must be accepted.
  fc.tuple(fc.constant('none'), fc.nat(), fc.nat()),
  fc.tuple(fc.constant('blank'), fc.nat(), fc.constantFrom(0x09, 0x0a, 0x0d)),
  // A byte of the header changed (digits of offsets and shapes most often: they are what attacks a reader).
  fc.tuple(fc.constant('digit'), fc.nat(), fc.integer({ min: 0, max: 9 })),
  fc.tuple(fc.constant('byte'), fc.nat(), fc.integer({ min: 0, max: 255 })),
  // The length field rewritten; the file cut short or extended.
  fc.tuple(fc.constant('length'), fc.nat(), fc.nat()),
  fc.tuple(fc.constant('truncate'), fc.nat(), fc.nat()),
  fc.tuple(fc.constant('extend'), fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 0, max: 255 })),
);

function mutate(source: Buffer, [kind, a, b]: [string, number, number]): Buffer {
  const bytes = Buffer.from(source);
  const end = Math.max(1, headerEnd(bytes));
  switch (kind) {
    case 'none':
      return bytes;
    case 'blank': {
      const blanks = [...bytes.subarray(0, end).entries()].filter(([, c]) => c === 0x20).map(([i]) => i);
      if (blanks.length > 0) bytes[blanks[a % blanks.length]!] = b;
      return bytes;
    }
    case 'digit': {
      const digits = [...bytes.subarray(0, end).entries()].filter(([, c]) => c >= 0x30 && c <= 0x39).map(([i]) => i);
      if (digits.length > 0) bytes[digits[a % digits.length]!] = 0x30 + b;
      return bytes;
    }
    case 'byte':
      bytes[a % end] = b;
      return bytes;
    case 'length':
      if (bytes[0] === 0x93 && bytes.length >= 10) bytes.writeUInt16LE(a % 65536, 8);
      else if (bytes.length >= 8) bytes.writeBigUInt64LE(BigInt(a) * BigInt(b % 4 === 0 ? 1 : (b % 1000) + 1), 0);
      return bytes;
    case 'truncate':
      return bytes.subarray(0, a % bytes.length);
    default:
      return Buffer.concat([bytes, Buffer.alloc(a, b)]);
  }
}

test(`${RUNS} mutated real files through store.add and the mmap reader: refused cleanly or read within the file`, async () => {
  assert.ok(seeds.length >= 10, `${seeds.length} seed files`);
  const dir = tempDir();
  const store = TensorStore.open(join(dir.path, 'store'));
  const reader = new TensorReader(store, new MmapCache({ maxEntries: 8 }));
  let accepted = 0;
  let slices = 0;
  try {
    await fc.assert(
      fc.asyncProperty(fc.nat(seeds.length - 1), mutation, fc.array(fc.oneof(fc.integer({ min: -5, max: 40 }), fc.constant(null)), { minLength: 1, maxLength: 6 }), async (which, change, numbers) => {
        const seed = seeds[which]!;
        const bytes = mutate(seed.bytes, change);
        let cid: string;
        try {
          cid = (await store.add((async function* () {
            yield bytes;
          })(), { name: seed.name })).file.cid;
        } catch (error) {
          assert.instance(error, StoreError, String((error as Error)?.stack));
          assert.is.not((error as StoreError).code, 'IO', (error as Error).message);
          return;
        }
        accepted++;
        for (const tensor of store.tensorsOf(cid)) {
          assert.ok(tensor.byteOffset + tensor.byteLength <= bytes.length, `${tensor.name} ends inside the file`);
          const data = reader.tensorBytes(tensor);
          assert.is(data.length, tensor.byteLength);
          assert.ok(data.equals(bytes.subarray(tensor.byteOffset, tensor.byteOffset + tensor.byteLength)), 'the bytes of the file');
          if (tensor.shape.length === 0) continue;
          // A slice built from the fuzzed numbers: start:stop:step per axis, or an index.
          const spec = tensor.shape
            .map((_, d) => {
              const [x, y, z] = [numbers[(3 * d) % numbers.length], numbers[(3 * d + 1) % numbers.length], numbers[(3 * d + 2) % numbers.length]];
              return z === 0 || z === null ? `${x ?? ''}:${y ?? ''}` : `${x ?? ''}:${y ?? ''}:${z}`;
            })
            .join(', ');
          let plan;
          try {
            plan = reader.plan(tensor, spec);
          } catch (error) {
            assert.instance(error, SliceSpecError, `${spec}: ${(error as Error)?.stack}`);
            continue;
          }
          slices++;
          assert.is(reader.sliceBytes(tensor, plan).length, plan.byteLength, spec);
        }
      }),
      { numRuns: RUNS, seed: 8 },
    );
  } finally {
    store.close();
    dir.cleanup();
  }
  assert.ok(accepted > RUNS / 10, `only ${accepted} of ${RUNS} mutants were accepted: the fuzz should reach the reader`);
  console.log(`  ${RUNS} mutants: ${accepted} accepted and read back, ${slices} slices read`);
});

test.run();
