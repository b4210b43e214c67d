// bench:mmap: the mmap cache against its targets (ARCHITECTURE.md section 7), medians and ratios from one run.
//
//   cache hit            getOrCreate of a mapped file (64 files, hits rotate)        <= 1 us (aim 0.3)
//   range view           file.range(o, o + 4096) at random offsets                    <= 1 us (aim 0.3)
//   cache miss           getOrCreate that opens + maps (and evicts + unmaps the LRU)  <= 50 us
//   random 4 KiB / 1 MiB reads on a 256 MiB file, against fs.readSync into a reused buffer:
//     view    a zero-copy view, every 4 KiB page of it read (what the download route does: the view goes to the
//             socket as is)                                                           >= 3x / >= 5x readSync
//     copy    the view copied into a reused buffer (the same work readSync does)      shown for fairness, no target
//   cache miss + first view: the miss plus the external Buffer made on a file's first read, no target
//   guarded copies (what the inline GraphQL answers and strided slices cost): file.copy of 4 KiB / 1 MiB and
//     file.gather of a strided 64 KiB slice (16,384 ranges of 4 bytes) and of 64 rows of 1 KiB, against the same
//     bytes copied from a view without the fault guard (Buffer.copy, one call per range), no target
// The page cache is warm for both sides (the file was just written) and the mapping is populated, so neither pays
// for disk or first-touch faults.
//
// `npm run bench:mmap [-- --quick]`, or `runMmapBench({ quick })` for the rows as data.
import { closeSync, mkdirSync, openSync, readSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MmapCache, MmapFile } from '../src/mmap/index.ts';

export interface BenchRow {
  /** Stable key: hit, view, miss, miss-first-view, read-4k, read-4k-copy, read-1m, read-1m-copy. */
  id: string;
  name: string;
  unit: 'us';
  /** Microseconds per operation, one per sample (a batch of operations); medianUs is their median. */
  samples: number[];
  medianUs: number;
  /** The baseline run beside it (fs.readSync), for comparisons. */
  baseline?: { name: string; samples: number[]; medianUs: number };
  /** baseline / this: how many times faster. */
  ratio?: number;
  /** Section 7's target as text ('' when the row is informational). */
  target: string;
  /** Whether the target is met; null for informational rows. */
  ok: boolean | null;
}

export interface MmapBenchOptions {
  /** Smaller file and fewer samples: a smoke run (the figures are less steady). */
  quick?: boolean;
  /** Where the temporary files go; bench/.tmp/mmap-<pid> by default, removed afterwards. */
  dir?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
let sink = 0; // keeps results observable so the JIT cannot drop the work

/** Microseconds per op of `samples` batches of `batch` ops each (after one warm-up batch). */
function measure(batch: number, samples: number, op: (i: number) => void): number[] {
  for (let i = 0; i < batch; i++) op(i); // warm-up (JIT, page tables)
  const perOp: number[] = [];
  let i = 0;
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let k = 0; k < batch; k++) op(i++);
    perOp.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  return perOp;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function writeFile(path: string, size: number): void {
  const chunk = Buffer.allocUnsafe(Math.min(size, 1 << 20));
  const fd = openSync(path, 'w');
  try {
    for (let offset = 0; offset < size; offset += chunk.length) {
      randomFillSync(chunk);
      writeSync(fd, chunk, 0, Math.min(chunk.length, size - offset));
    }
  } finally {
    closeSync(fd);
  }
}

/** Random offsets, aligned to 4 KiB, for reads of `length` bytes inside `size`. */
function offsets(count: number, size: number, length: number): Float64Array {
  const out = new Float64Array(count);
  const slots = Math.floor((size - length) / 4096) + 1;
  for (let i = 0; i < count; i++) out[i] = Math.floor(Math.random() * slots) * 4096;
  return out;
}

/** A row on its own value: ok when the median is at most `limit` us (no limit: informational). */
function valueRow(id: string, name: string, samples: number[], limit?: number): BenchRow {
  const medianUs = median(samples);
  const target = limit === undefined ? '' : `<= ${limit} us${limit === 1 ? ' (aim 0.3)' : ''}`;
  return { id, name, unit: 'us', samples, medianUs, target, ok: limit === undefined ? null : medianUs <= limit };
}

/** A row against fs.readSync: ok when at least `times` faster (no times: informational). */
function ratioRow(id: string, name: string, samples: number[], baselineSamples: number[], times?: number): BenchRow {
  const medianUs = median(samples);
  const baseline = { name: 'fs.readSync into a reused buffer', samples: baselineSamples, medianUs: median(baselineSamples) };
  const ratio = baseline.medianUs / medianUs;
  return { id, name, unit: 'us', samples, medianUs, baseline, ratio, target: times === undefined ? '' : `>= ${times}x`, ok: times === undefined ? null : ratio >= times };
}

/** A row against the unguarded copy of the same bytes out of a view: ratio > 1 means the guarded copy is faster. */
function copyRow(id: string, name: string, samples: number[], baselineSamples: number[]): BenchRow {
  const medianUs = median(samples);
  const baseline = { name: 'the same bytes copied from a view (unguarded)', samples: baselineSamples, medianUs: median(baselineSamples) };
  return { id, name, unit: 'us', samples, medianUs, baseline, ratio: baseline.medianUs / medianUs, target: '', ok: null };
}

/** file.copy and file.gather (the fault-guarded copies) beside unguarded copies of the same ranges from a view. */
function guardedCopyRows(mapped: MmapFile, size: number, samples: number): BenchRow[] {
  const view = mapped.bytes();
  const rows: BenchRow[] = [];
  for (const [id, label, length, batch] of [['copy-4k', '4 KiB', 4096, 2048], ['copy-1m', '1 MiB', 1 << 20, 32]] as const) {
    const at = offsets(8192, size, length);
    const copied = measure(batch, samples, (i) => {
      const start = at[i & 8191]!;
      sink += mapped.copy(start, start + length).length;
    });
    const plain = measure(batch, samples, (i) => {
      const start = at[i & 8191]!;
      const out = Buffer.allocUnsafeSlow(length);
      sink += view.copy(out, 0, start, start + length);
    });
    rows.push(copyRow(id, `file.copy of ${label} at random offsets (guarded)`, copied, plain));
  }
  const shapes = [
    ['gather-strided', 'file.gather of a strided 64 KiB slice (16,384 x 4 B, stride 8 B)', 16_384, 4, 8],
    ['gather-rows', 'file.gather of 64 rows of 1 KiB (stride 64 KiB)', 64, 1024, 65_536],
  ] as const;
  for (const [id, name, count, length, stride] of shapes) {
    const base = Math.floor(Math.random() * Math.floor((size - count * stride) / 4096)) * 4096;
    const flat = new Float64Array(count * 2);
    for (let k = 0; k < count; k++) {
      flat[2 * k] = base + k * stride;
      flat[2 * k + 1] = base + k * stride + length;
    }
    const gathered = measure(16, samples, () => {
      sink += mapped.gather(flat).length;
    });
    const plain = measure(16, samples, () => {
      const out = Buffer.allocUnsafeSlow(count * length);
      for (let k = 0; k < count; k++) view.copy(out, k * length, flat[2 * k]!, flat[2 * k + 1]!);
      sink += out.length;
    });
    rows.push(copyRow(id, name, gathered, plain));
  }
  return rows;
}

export async function runMmapBench(options: MmapBenchOptions = {}): Promise<BenchRow[]> {
  const quick = options.quick ?? false;
  const samples = quick ? 7 : 31;
  const dir = options.dir ?? join(HERE, '.tmp', `mmap-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const rows: BenchRow[] = [];
  try {
    // Hits and views.
    const small = Array.from({ length: 64 }, (_, i) => join(dir, `small-${i}.bin`));
    for (const path of small) writeFile(path, 64 << 10);
    const cache = new MmapCache({ maxEntries: 64 });
    for (const path of small) cache.getOrCreate(path);
    const hit = measure(20_000, samples, (i) => {
      sink += cache.getOrCreate(small[i & 63]!).size;
    });
    rows.push(valueRow('hit', 'cache hit', hit, 1));
    const file = cache.getOrCreate(small[0]!);
    const viewAt = offsets(4096, 64 << 10, 4096);
    const view = measure(20_000, samples, (i) => {
      const start = viewAt[i & 4095]!;
      sink += file.range(start, start + 4096).length;
    });
    rows.push(valueRow('view', 'range view', view, 1));
    cache.clear();
    gc();

    // Misses: 16 entries, 128 files visited in turn, so every get opens, maps, and evicts (unmaps) the oldest.
    const missFiles = Array.from({ length: 128 }, (_, i) => join(dir, `miss-${i}.bin`));
    for (const path of missFiles) writeFile(path, 1 << 20);
    const missCache = new MmapCache({ maxEntries: 16 });
    const miss = measure(128, samples, (i) => {
      sink += missCache.getOrCreate(missFiles[i & 127]!).size;
    });
    rows.push(valueRow('miss', 'cache miss (open + map)', miss, 50));
    const missView = measure(128, samples, (i) => {
      sink += missCache.getOrCreate(missFiles[i & 127]!).range(0, 4096).length;
    });
    rows.push(valueRow('miss-first-view', 'cache miss + first view (external Buffer)', missView));
    missCache.clear();
    gc();

    // Random reads on a large file.
    const size = quick ? 64 << 20 : 256 << 20;
    const big = join(dir, 'big.bin');
    writeFile(big, size);
    const mapped = new MmapFile(big, { populate: true, random: true });
    const fd = openSync(big, 'r');
    try {
      for (const [id, label, length, times] of [['read-4k', '4 KiB', 4096, 3], ['read-1m', '1 MiB', 1 << 20, 5]] as const) {
        const at = offsets(8192, size, length);
        const reused = Buffer.allocUnsafe(length);
        const batch = length === 4096 ? 4096 : 64;
        const readSyncUs = measure(batch, samples, (i) => {
          sink += readSync(fd, reused, 0, length, at[i & 8191]!);
        });
        const viewUs = measure(batch, samples, (i) => {
          const start = at[i & 8191]!;
          const bytes = mapped.range(start, start + length);
          for (let page = 0; page < length; page += 4096) sink += bytes[page]!;
        });
        const copyUs = measure(batch, samples, (i) => {
          const start = at[i & 8191]!;
          sink += mapped.range(start, start + length).copy(reused);
        });
        rows.push(ratioRow(id, `random ${label} reads (zero-copy view)`, viewUs, readSyncUs, times));
        rows.push(ratioRow(`${id}-copy`, `random ${label} reads (view + copy into a reused buffer)`, copyUs, readSyncUs));
      }
      rows.push(...guardedCopyRows(mapped, size, samples));
    } finally {
      closeSync(fd);
      mapped.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (options.dir === undefined) {
      try {
        rmdirSync(join(HERE, '.tmp')); // only if no other run is using it
      } catch {}
    }
  }
  if (sink === -1) console.log(''); // never true; reads sink
  return rows;
}

export function formatRows(rows: BenchRow[]): string {
  const us = (value: number) => `${value.toFixed(3)} us`;
  const lines = ['| benchmark | median | baseline | ratio | target | met |', '|---|---:|---:|---:|---|---|'];
  for (const r of rows) {
    const baseline = r.baseline ? `${us(r.baseline.medianUs)} (${r.baseline.name})` : '';
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(1)}x`;
    const met = r.ok === null ? 'info' : r.ok ? 'yes' : 'NO';
    lines.push(`| ${r.name} | ${us(r.medianUs)} | ${baseline} | ${ratio} | ${r.target} | ${met} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const rows = await runMmapBench({ quick });
  console.log(formatRows(rows));
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for steadier figures: npm run bench:mmap)');
  process.exitCode = rows.some((r) => r.ok === false) ? 1 : 0;
}
