// Index paging: pages of 100 tensors with a name-prefix filter over 1,000,000 indexed tensors (quick: 100,000),
// against the same pages over a 10,000-tensor index: the ratio shows whether keyset paging stays flat as the
// index grows. Rows are inserted through TensorIndex.insertMany (its bulk path: one transaction).
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { guarded, type BenchContext, type RowHeader } from './lib/context.ts';
import { alternate } from './lib/stats.ts';
import { makeRow, type Row } from './lib/table.ts';
import type { TensorIndex as TensorIndexType } from '../src/store/tensor-index.ts';

const TENSORS_PER_FILE = 1000;
const PAGE = 100;
/** Broad (11% of rows), narrow (1%) and everything: the filters a browsing user types. */
const PREFIXES = ['model.layers.4', 'model.layers.42.', 'model.'];
const PAGES_PER_PREFIX = 20;
const SMALL = 10_000;

function header(total: number): RowHeader {
  return {
    group: 'index',
    name: `tensors page (100, name prefix) over ${total.toLocaleString('en')} tensors`,
    unit: 'ms',
    baseline: `same pages over ${SMALL.toLocaleString('en')} tensors`,
    target: { on: 'value', op: '<=', limit: 10 },
  };
}

export async function indexBench(ctx: BenchContext): Promise<Row[]> {
  const total = ctx.quick ? 100_000 : 1_000_000;
  return guarded(ctx, [header(total)], async () => {
    const { TensorIndex } = await import('../src/store/tensor-index.ts');
    const { cidOfBytes } = await import('../src/store/cid.ts');
    const dirs = [join(ctx.tmpDir, 'index-big'), join(ctx.tmpDir, 'index-small')];
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const big = new TensorIndex(join(dirs[0]!, 'index.sqlite'));
    const small = new TensorIndex(join(dirs[1]!, 'index.sqlite'));
    try {
      const t0 = performance.now();
      fill(big, total, cidOfBytes);
      const buildSeconds = (performance.now() - t0) / 1000;
      ctx.log(`  indexed ${total.toLocaleString('en')} tensors in ${buildSeconds.toFixed(1)} s`);
      fill(small, SMALL, cidOfBytes);
      const samples = await alternate({ big: () => pageMillis(big), small: () => pageMillis(small) }, ctx.quick ? 3 : 5);
      return [
        makeRow({
          ...header(total),
          better: 'lower',
          values: samples.big,
          baselineValues: samples.small,
          note: `median of ${PREFIXES.length * PAGES_PER_PREFIX} pages per run; inserting the rows took ${buildSeconds.toFixed(1)} s (${Math.round(total / buildSeconds).toLocaleString('en')} rows/s)`,
        }),
      ];
    } finally {
      big.close();
      small.close();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * `total / 1000` files (checkpoints of one architecture) of 1000 tensors each, named as models name them:
 * model.layers.<0..99>.<one of 10 parameters>. The same names recur in every file, as in a real store.
 */
function fill(index: TensorIndexType, total: number, cidOf: (bytes: Uint8Array) => string): void {
  const params = ['attn.q.weight', 'attn.k.weight', 'attn.v.weight', 'attn.o.weight', 'mlp.up.weight', 'mlp.down.weight', 'mlp.gate.weight', 'norm1.weight', 'norm2.weight', 'attn.q.bias'];
  const files = Math.ceil(total / TENSORS_PER_FILE);
  function* entries() {
    for (let f = 0; f < files; f++) {
      const cid = cidOf(Buffer.from(`bench file ${f}`));
      const tensors = [];
      let offset = 0;
      for (let t = 0; t < TENSORS_PER_FILE; t++) {
        const shape = [64, 64];
        tensors.push({
          cid,
          name: `model.layers.${Math.floor(t / params.length)}.${params[t % params.length]}`,
          dtype: 'F16' as const,
          shape,
          strides: [64, 1],
          elementCount: 4096,
          byteOffset: offset,
          byteLength: 8192,
          littleEndian: true,
          fortranOrder: false,
        });
        offset += 8192;
      }
      yield {
        file: { cid, size: offset + 8, format: 'safetensors' as const, metadata: null, tensorCount: tensors.length, addedAt: f, sourceName: `ckpt-${f}.safetensors` },
        tensors,
      };
    }
  }
  index.insertMany(entries());
}

/** Walks PAGES_PER_PREFIX pages of each prefix by cursor; the median page time of the walk, in ms. */
function pageMillis(index: TensorIndexType): number {
  const times: number[] = [];
  for (const namePrefix of PREFIXES) {
    let after: string | null = null;
    for (let p = 0; p < PAGES_PER_PREFIX; p++) {
      const t0 = performance.now();
      const page = index.listTensors(PAGE, after, { namePrefix });
      times.push(performance.now() - t0);
      if (!page.hasNextPage) break;
      after = page.cursors[page.cursors.length - 1]!;
    }
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}
