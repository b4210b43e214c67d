// The mmap rows: bench/mmap.bench.ts (its own module, also run alone by `npm run bench:mmap`) measures the cache;
// this runs it in rounds, alternating with baselines of the same JS-level operations without the mapping, so every
// row has a ratio: a cache hit against a Map lookup, a range view against Buffer.subarray, a miss against
// open + fstat + close. Reads are against fs.readSync, which mmap.bench.ts measures beside them.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { guarded, type BenchContext, type RowHeader } from './context.ts';
import { REPO_ROOT } from './servers.ts';
import { alternate, median } from './stats.ts';
import { makeRow, skippedRow, type Row, type Target } from './table.ts';
import type { BenchRow, MmapBenchOptions } from '../mmap.bench.ts';

interface Spec {
  id: string;
  name: string;
  baseline: string;
  target?: Target;
}

const SPECS: Spec[] = [
  { id: 'hit', name: 'cache hit', baseline: 'Map.get', target: { on: 'value', op: '<=', limit: 1 } },
  { id: 'view', name: 'range view (4 KiB)', baseline: 'Buffer.subarray', target: { on: 'value', op: '<=', limit: 1 } },
  { id: 'miss', name: 'cache miss (open + map)', baseline: 'open + fstat + close', target: { on: 'value', op: '<=', limit: 50 } },
  { id: 'miss-first-view', name: 'cache miss + first view', baseline: 'open + fstat + close' },
  { id: 'read-4k', name: 'random 4 KiB reads (view)', baseline: 'fs.readSync', target: { on: 'ratio', op: '>=', limit: 3 } },
  { id: 'read-4k-copy', name: 'random 4 KiB reads (view + copy)', baseline: 'fs.readSync' },
  { id: 'read-1m', name: 'random 1 MiB reads (view)', baseline: 'fs.readSync', target: { on: 'ratio', op: '>=', limit: 5 } },
  { id: 'read-1m-copy', name: 'random 1 MiB reads (view + copy)', baseline: 'fs.readSync' },
];

const header = (s: Spec): RowHeader => ({ group: 'mmap', name: s.name, unit: 'µs', baseline: s.baseline, target: s.target });

let sink = 0;

/** µs per op: the median of `samples` batches. */
function perOp(batch: number, samples: number, op: (i: number) => void): number {
  for (let i = 0; i < batch; i++) op(i);
  const out: number[] = [];
  for (let s = 0, i = 0; s < samples; s++) {
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) op(i++);
    out.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  return median(out);
}

/** The same operations without a mapping: what a cache hit, a view and a miss cost at the least in JS. */
function baselines(dir: string, samples: number): Record<string, number> {
  const paths = Array.from({ length: 64 }, (_, i) => join(dir, `base-${i}.bin`));
  for (const path of paths) writeFileSync(path, Buffer.alloc(64 << 10, i8(path)));
  const map = new Map(paths.map((p) => [p, { size: 65536 }]));
  const buffer = Buffer.alloc(64 << 10);
  const offsets = Array.from({ length: 4096 }, () => Math.floor(Math.random() * 15) * 4096);
  const hit = perOp(20_000, samples, (i) => {
    sink += map.get(paths[i & 63]!)!.size;
  });
  const view = perOp(20_000, samples, (i) => {
    const start = offsets[i & 4095]!;
    sink += buffer.subarray(start, start + 4096).length;
  });
  const miss = perOp(128, samples, (i) => {
    const fd = openSync(paths[i & 63]!, 'r');
    sink += fstatSync(fd).size;
    closeSync(fd);
  });
  return { hit, view, miss, 'miss-first-view': miss };
}

const i8 = (s: string) => s.length & 0xff;

export async function mmapRows(ctx: BenchContext): Promise<Row[]> {
  const path = join(REPO_ROOT, 'bench', 'mmap.bench.ts');
  if (!existsSync(path)) return SPECS.map((s) => skippedRow(header(s), 'bench/mmap.bench.ts is not there yet'));
  return guarded(ctx, SPECS.map(header), async () => {
    const { runMmapBench } = (await import(pathToFileURL(path).href)) as { runMmapBench(o: MmapBenchOptions): Promise<BenchRow[]> };
    const dir = join(ctx.tmpDir, 'mmap');
    mkdirSync(dir, { recursive: true });
    const rounds = ctx.quick ? 3 : 5;
    const ours: Record<string, number[]> = {};
    const theirs: Record<string, number[]> = {};
    const push = (m: Record<string, number[]>, id: string, v: number) => (m[id] ??= []).push(v);
    try {
      // Each round: the whole mmap bench (its own reads against readSync inside), then the JS baselines.
      await alternate(
        {
          mmap: async () => {
            for (const row of await runMmapBench({ quick: ctx.quick, dir: join(dir, 'run') })) {
              push(ours, row.id, row.medianUs);
              if (row.baseline) push(theirs, row.id, row.baseline.medianUs);
            }
            return 0;
          },
          base: () => {
            for (const [id, us] of Object.entries(baselines(dir, ctx.quick ? 7 : 31))) push(theirs, id, us);
            return 0;
          },
        },
        rounds,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (sink === -1) ctx.log('');
    return SPECS.map((s) =>
      ours[s.id]
        ? makeRow({ ...header(s), better: 'lower', values: ours[s.id]!, baselineValues: theirs[s.id] ?? [] })
        : skippedRow(header(s), `bench/mmap.bench.ts gave no "${s.id}" row`),
    );
  });
}
