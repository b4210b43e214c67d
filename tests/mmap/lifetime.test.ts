// Lifetime of mappings: views outlive evict(), clear() and close() (checked after forced GC), the mapping goes from
// /proc/self/maps once the last view is collected, views are zero-copy (RssAnon), and async work keeps its mapping.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MmapCache, MmapFile, mappingStats } from '../../src/mmap/index.ts';
import { tempDir } from '../../src/devkit/paths.ts';

// `node --expose-gc` gives globalThis.gc; without the flag (plain `uvu -r tsx`), turn it on now and take gc from a
// fresh context, which sees the flag.
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();

/** Full GCs with a turn of the event loop between (external Buffer finalizers run after the GC), until `done`. */
async function collect(done: () => boolean = () => false, rounds = 10): Promise<boolean> {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    if (done()) return true;
  }
  return done();
}

/** Whether the process maps `path` (a line of /proc/self/maps ends with it). */
const mapped = (path: string) => readFileSync('/proc/self/maps', 'utf8').split('\n').some((line) => line.endsWith(` ${path}`));

function rssAnonBytes(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('RssAnon:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

let dir: ReturnType<typeof tempDir>;
let n = 0;
/** A new file of random bytes under a unique path. */
function newFile(size: number): { path: string; bytes: Buffer } {
  const path = join(dir.path, `f${n++}.bin`);
  const bytes = randomBytes(size);
  writeFileSync(path, bytes);
  return { path, bytes };
}

beforeAll(test, () => {
  dir = tempDir('ipfrs-mmap-lifetime-');
});

test.after(() => dir.cleanup());

// Each function takes views, drops the file one way, and gives back only the views with the [start, end) they show.
type Views = Array<[view: Buffer, start: number, end: number]>;
const droppers: Array<[string, (path: string) => Views]> = [
  ['evict()', (path) => {
    const cache = new MmapCache({ maxEntries: 4 });
    const file = cache.getOrCreate(path);
    const [first, last] = file.multiRange([[0, 1], [65_000, 65_536]]);
    const views: Views = [[file.bytes(), 0, 65_536], [file.range(100, 5000), 100, 5000], [first!, 0, 1], [last!, 65_000, 65_536]];
    assert.is(cache.evict(path), true);
    return views;
  }],
  ['clear()', (path) => {
    const cache = new MmapCache({ maxEntries: 4 });
    const views: Views = [[cache.getOrCreate(path).bytes(), 0, 65_536], [cache.getOrCreate(path).range(100, 5000), 100, 5000]];
    cache.clear();
    return views;
  }],
  ['close()', (path) => {
    const file = new MmapFile(path);
    const views: Views = [[file.range(0, 65_536), 0, 65_536], [file.range(100, 5000), 100, 5000]];
    file.close();
    return views;
  }],
  ['an LRU eviction', (path) => {
    const cache = new MmapCache({ maxEntries: 1 });
    const views: Views = [[cache.getOrCreate(path).bytes(), 0, 65_536]];
    cache.getOrCreate(newFile(10).path);
    assert.is(cache.stats().evictions, 1);
    cache.clear();
    return views;
  }],
];

test('a view taken before evict(), clear(), close() or an LRU eviction holds the exact bytes after forced GC', async () => {
  for (const [label, drop] of droppers) {
    const { path, bytes } = newFile(65_536);
    const views = drop(path);
    // Churn: other files mapped and dropped, garbage collected, so freed memory would be reused.
    for (let i = 0; i < 8; i++) new MmapFile(newFile(65_536).path).close();
    await collect();
    assert.ok(mapped(path), `${label}: still mapped while views live`);
    for (const [i, [view, start, end]] of views.entries()) assert.ok(view.equals(bytes.subarray(start, end)), `${label}: view ${i}`);
  }
});

test('a view keeps the bytes of the object it was cut from after the path is replaced by rename', async () => {
  const { path, bytes } = newFile(4096);
  const cache = new MmapCache({ maxEntries: 2 });
  const old = cache.getOrCreate(path).bytes();
  const replacement = newFile(4096);
  renameSync(replacement.path, path);
  cache.evict(path);
  await collect();
  assert.ok(old.equals(bytes), 'the old inode stays mapped');
  assert.ok(cache.getOrCreate(path).bytes().equals(replacement.bytes), 'a new get maps the new object');
  cache.clear();
});

test('once every view is collected and the file evicted, the mapping leaves /proc/self/maps', async () => {
  const { path, bytes } = newFile(1 << 20);
  await collect(); // what earlier tests left to the GC
  const baseline = mappingStats();
  const cache = new MmapCache({ maxEntries: 2 });
  const take = (): Buffer[] => {
    const file = cache.getOrCreate(path);
    return [file.bytes(), file.range(10, 20), file.range(4096, 8192)];
  };
  let views: Buffer[] | null = take();
  assert.ok(mapped(path), 'mapped while cached');
  assert.equal(mappingStats(), { mappings: baseline.mappings + 1, bytes: baseline.bytes + (1 << 20) });
  cache.evict(path);
  await collect();
  assert.ok(mapped(path), 'still mapped: views live');
  assert.ok(views[2]!.equals(bytes.subarray(4096, 8192)));
  views = null;
  assert.ok(await collect(() => !mapped(path), 20), 'unmapped after the views were collected');
  assert.equal(mappingStats(), baseline);
});

test('a file dropped without close() is unmapped when it and its views are collected', async () => {
  const { path } = newFile(8192);
  await collect();
  const baseline = mappingStats().mappings;
  (() => {
    const file = new MmapFile(path);
    file.range(0, 10);
  })();
  assert.ok(mapped(path));
  assert.ok(await collect(() => !mapped(path), 20), 'the handle and the view finalizers dropped their references');
  assert.is(mappingStats().mappings, baseline);
});

test('zero-copy: 200 whole-file views of a 64 MiB file grow RssAnon by less than 8 MiB', async () => {
  const size = 64 << 20;
  const { path } = newFile(size);
  const cache = new MmapCache({ maxEntries: 2 });
  await collect();
  const before = rssAnonBytes();
  const views: Buffer[] = [];
  for (let i = 0; i < 100; i++) views.push(cache.getOrCreate(path).bytes(), cache.getOrCreate(path).range(0, size));
  let sum = 0;
  for (const view of views.slice(0, 4)) for (let offset = 0; offset < size; offset += 4096) sum += view[offset]!; // touch every page
  const grown = rssAnonBytes() - before;
  assert.is(views.length, 200);
  assert.ok(views.every((v) => v.length === size));
  assert.ok(sum >= 0);
  assert.ok(grown < 8 << 20, `RssAnon grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
  cache.clear();
});

test('async advice keeps the mapping alive when the file is closed while it runs', async () => {
  const { path, bytes } = newFile(4 << 20);
  await collect();
  const baseline = mappingStats().mappings;
  const file = new MmapFile(path);
  const view = file.range(0, 16);
  const advising = file.adviseAsync({ populate: true, willNeed: true, sequential: true });
  file.close();
  await advising;
  assert.ok(view.equals(bytes.subarray(0, 16)));
  assert.is(mappingStats().mappings, baseline + 1, 'the view holds the mapping');

});

test('eviction and clearing between the chunks of a "download" never change a byte', async () => {
  const { path, bytes } = newFile(1 << 20);
  const cache = new MmapCache({ maxEntries: 1 });
  const chunk = 64 << 10;
  const received: Buffer[] = [];
  const view = cache.getOrCreate(path).bytes(); // a download takes its view once, then writes it chunk by chunk
  for (let offset = 0; offset < bytes.length; offset += chunk) {
    if ((offset / chunk) % 3 === 0) cache.evict(path);
    else if ((offset / chunk) % 3 === 1) cache.clear();
    else cache.getOrCreate(newFile(16).path);
    await collect(() => true, 1);
    received.push(Buffer.from(view.subarray(offset, offset + chunk)));
  }
  assert.ok(Buffer.concat(received).equals(bytes));
  cache.clear();
});

test.run();
