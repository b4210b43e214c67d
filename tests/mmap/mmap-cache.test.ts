// MmapCache: hits and misses, LRU eviction by count and by bytes with the exact stats after every step, get/has,
// evict/clear, files(), oversized files, and the async miss.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MmapCache, MmapError, MmapFile, mappingStats } from '../../src/mmap/index.ts';
import { tempDir } from '../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;
/** name -> path of a file of `size` bytes, every byte the name's first char code. */
const files: Record<string, string> = {};
const SIZES: Record<string, number> = { a: 10, b: 20, c: 30, d: 40, e: 50, big: 150, empty: 0 };

beforeAll(test, () => {
  dir = tempDir('ipfrs-mmap-cache-');
  for (const [name, size] of Object.entries(SIZES)) {
    files[name] = join(dir.path, `${name}.bin`);
    writeFileSync(files[name]!, Buffer.alloc(size, name.charCodeAt(0)));
  }
});

test.after(() => dir.cleanup());

const names = (cache: MmapCache) => cache.files().map((f) => f.path.slice(dir.path.length + 1, -'.bin'.length));

test('the options are checked; maxBytes defaults to the largest safe integer', () => {
  assert.equal(new MmapCache({ maxEntries: 3 }).stats(), { entries: 0, mappedBytes: 0, hits: 0, misses: 0, evictions: 0, maxEntries: 3, maxBytes: Number.MAX_SAFE_INTEGER });
  assert.is(new MmapCache({ maxEntries: 1, maxBytes: Infinity }).stats().maxBytes, Number.MAX_SAFE_INTEGER);
  assert.is(new MmapCache({ maxEntries: 1, maxBytes: 4096 }).maxBytes, 4096);
  for (const options of [{ maxEntries: 0 }, { maxEntries: 1.5 }, { maxEntries: -1 }, { maxEntries: Number.NaN }, { maxEntries: 2, maxBytes: 0 }, { maxEntries: 2, maxBytes: -5 }, { maxEntries: 2, maxBytes: 1.5 }, {}]) {
    assert.throws(() => new MmapCache(options as never), (e: unknown) => e instanceof RangeError, JSON.stringify(options));
  }
  assert.throws(() => new MmapCache(null as never), (e: unknown) => e instanceof TypeError);
});

test('repeated gets of one file keep one entry and return the same MmapFile', () => {
  const cache = new MmapCache({ maxEntries: 4 });
  const first = cache.getOrCreate(files.a!);
  for (let i = 0; i < 5; i++) assert.ok(cache.getOrCreate(files.a!) === first);
  assert.is(cache.len, 1);
  assert.is(cache.isEmpty, false);
  assert.equal(cache.stats(), { entries: 1, mappedBytes: 10, hits: 5, misses: 1, evictions: 0, maxEntries: 4, maxBytes: Number.MAX_SAFE_INTEGER });
  assert.equal(first.bytes(), Buffer.alloc(10, 'a'));
  cache.clear();
});

test('clear() empties the cache, closes its files and keeps the counters', () => {
  const cache = new MmapCache({ maxEntries: 4 });
  const a = cache.getOrCreate(files.a!);
  const b = cache.getOrCreate(files.b!);
  cache.getOrCreate(files.a!);
  cache.clear();
  assert.is(cache.len, 0);
  assert.is(cache.isEmpty, true);
  assert.equal(cache.files(), []);
  assert.equal(cache.stats(), { entries: 0, mappedBytes: 0, hits: 1, misses: 2, evictions: 0, maxEntries: 4, maxBytes: Number.MAX_SAFE_INTEGER });
  assert.is(a.closed && b.closed, true);
  cache.clear();
  assert.is(cache.len, 0);
  assert.ok(cache.getOrCreate(files.a!) !== a, 'mapped afresh');
  assert.is(cache.stats().misses, 3);
  cache.clear();
});

// One step of an LRU table: the call, then the order of files() (most recent first) and the stats after it.
type Step = [call: string, order: string[], stats: { entries: number; mappedBytes: number; hits: number; misses: number; evictions: number }];

function runSteps(cache: MmapCache, steps: Step[]) {
  const { maxEntries, maxBytes } = cache;
  for (const [call, order, stats] of steps) {
    const [verb, name] = call.split(' ') as [string, string];
    if (verb === 'get') cache.getOrCreate(files[name]!);
    else if (verb === 'peek') cache.get(files[name]!);
    else if (verb === 'has') cache.has(files[name]!);
    else if (verb === 'evict') cache.evict(files[name]!);
    else if (verb === 'clear') cache.clear();
    assert.equal(names(cache), order, `${call}: order`);
    assert.equal(cache.stats(), { ...stats, maxEntries, maxBytes }, `${call}: stats`);
  }
  cache.clear();
}

test('LRU by count: the least recently used file goes when a third comes in', () => {
  runSteps(new MmapCache({ maxEntries: 2 }), [
    ['get a', ['a'], { entries: 1, mappedBytes: 10, hits: 0, misses: 1, evictions: 0 }],
    ['get b', ['b', 'a'], { entries: 2, mappedBytes: 30, hits: 0, misses: 2, evictions: 0 }],
    ['get a', ['a', 'b'], { entries: 2, mappedBytes: 30, hits: 1, misses: 2, evictions: 0 }],
    ['get c', ['c', 'a'], { entries: 2, mappedBytes: 40, hits: 1, misses: 3, evictions: 1 }],
    ['get b', ['b', 'c'], { entries: 2, mappedBytes: 50, hits: 1, misses: 4, evictions: 2 }],
    ['get c', ['c', 'b'], { entries: 2, mappedBytes: 50, hits: 2, misses: 4, evictions: 2 }],
    ['get c', ['c', 'b'], { entries: 2, mappedBytes: 50, hits: 3, misses: 4, evictions: 2 }],
    ['get a', ['a', 'c'], { entries: 2, mappedBytes: 40, hits: 3, misses: 5, evictions: 3 }],
  ]);
});

test('LRU by bytes: files go, oldest first, until the mapped bytes fit', () => {
  runSteps(new MmapCache({ maxEntries: 10, maxBytes: 100 }), [
    ['get a', ['a'], { entries: 1, mappedBytes: 10, hits: 0, misses: 1, evictions: 0 }],
    ['get b', ['b', 'a'], { entries: 2, mappedBytes: 30, hits: 0, misses: 2, evictions: 0 }],
    ['get c', ['c', 'b', 'a'], { entries: 3, mappedBytes: 60, hits: 0, misses: 3, evictions: 0 }],
    ['get d', ['d', 'c', 'b', 'a'], { entries: 4, mappedBytes: 100, hits: 0, misses: 4, evictions: 0 }],
    ['get a', ['a', 'd', 'c', 'b'], { entries: 4, mappedBytes: 100, hits: 1, misses: 4, evictions: 0 }],
    // e (50) needs 50 bytes freed: b (20) and c (30) go, a stays as it was used after them.
    ['get e', ['e', 'a', 'd'], { entries: 3, mappedBytes: 100, hits: 1, misses: 5, evictions: 2 }],
    ['get empty', ['empty', 'e', 'a', 'd'], { entries: 4, mappedBytes: 100, hits: 1, misses: 6, evictions: 2 }],
    // A file larger than maxBytes is mapped for the caller and not kept: a miss, nothing evicted.
    ['get big', ['empty', 'e', 'a', 'd'], { entries: 4, mappedBytes: 100, hits: 1, misses: 7, evictions: 2 }],
    ['get big', ['empty', 'e', 'a', 'd'], { entries: 4, mappedBytes: 100, hits: 1, misses: 8, evictions: 2 }],
    // c (30) makes 130 bytes: d (40), the least recently used, goes and 90 fit.
    ['get c', ['c', 'empty', 'e', 'a'], { entries: 4, mappedBytes: 90, hits: 1, misses: 9, evictions: 3 }],
    // d (40) makes 130 again: a (10) is not enough, e (50) goes too.
    ['get d', ['d', 'c', 'empty'], { entries: 3, mappedBytes: 70, hits: 1, misses: 10, evictions: 5 }],
  ]);
});

test('get() is a hit when mapped and counts nothing when not; has() counts nothing and keeps the order', () => {
  runSteps(new MmapCache({ maxEntries: 3 }), [
    ['peek a', [], { entries: 0, mappedBytes: 0, hits: 0, misses: 0, evictions: 0 }],
    ['get a', ['a'], { entries: 1, mappedBytes: 10, hits: 0, misses: 1, evictions: 0 }],
    ['get b', ['b', 'a'], { entries: 2, mappedBytes: 30, hits: 0, misses: 2, evictions: 0 }],
    ['has a', ['b', 'a'], { entries: 2, mappedBytes: 30, hits: 0, misses: 2, evictions: 0 }],
    ['has c', ['b', 'a'], { entries: 2, mappedBytes: 30, hits: 0, misses: 2, evictions: 0 }],
    ['peek a', ['a', 'b'], { entries: 2, mappedBytes: 30, hits: 1, misses: 2, evictions: 0 }],
    ['peek c', ['a', 'b'], { entries: 2, mappedBytes: 30, hits: 1, misses: 2, evictions: 0 }],
  ]);
  const cache = new MmapCache({ maxEntries: 3 });
  assert.is(cache.get(files.a!), undefined);
  assert.is(cache.has(files.a!), false);
  const a = cache.getOrCreate(files.a!);
  assert.ok(cache.get(files.a!) === a);
  assert.is(cache.has(files.a!), true);
  cache.clear();
});

test('evict() unmaps one file, says whether it was mapped, and is not counted as an eviction', () => {
  const cache = new MmapCache({ maxEntries: 3 });
  const a = cache.getOrCreate(files.a!);
  cache.getOrCreate(files.b!);
  assert.is(cache.evict(files.a!), true);
  assert.is(a.closed, true);
  assert.is(cache.evict(files.a!), false);
  assert.is(cache.evict(join(dir.path, 'never-mapped')), false);
  assert.equal(names(cache), ['b']);
  assert.equal(cache.stats(), { entries: 1, mappedBytes: 20, hits: 0, misses: 2, evictions: 0, maxEntries: 3, maxBytes: Number.MAX_SAFE_INTEGER });
  runSteps(cache, [
    ['get a', ['a', 'b'], { entries: 2, mappedBytes: 30, hits: 0, misses: 3, evictions: 0 }],
    ['evict b', ['a'], { entries: 1, mappedBytes: 10, hits: 0, misses: 3, evictions: 0 }],
    ['clear', [], { entries: 0, mappedBytes: 0, hits: 0, misses: 3, evictions: 0 }],
  ]);
});

test('files() lists path, size, hits since mapped and the last access, most recent first', () => {
  const cache = new MmapCache({ maxEntries: 4 });
  const before = Date.now();
  cache.getOrCreate(files.a!);
  cache.getOrCreate(files.b!);
  cache.getOrCreate(files.a!);
  cache.getOrCreate(files.a!);
  const after = Date.now();
  const listed = cache.files();
  assert.equal(listed.map(({ lastAccessMs, ...rest }) => rest), [
    { path: files.a, size: 10, hits: 2 },
    { path: files.b, size: 20, hits: 0 },
  ]);
  for (const { lastAccessMs } of listed) assert.ok(lastAccessMs >= before && lastAccessMs <= after, String(lastAccessMs));
  cache.clear();
});

test('a failed open is a miss that caches nothing and throws the MmapError', () => {
  const cache = new MmapCache({ maxEntries: 2 });
  const missing = join(dir.path, 'missing.bin');
  for (let i = 0; i < 2; i++) {
    assert.throws(() => cache.getOrCreate(missing), (e: unknown) => e instanceof MmapError && e.code === 'FILE_NOT_FOUND');
  }
  assert.throws(() => cache.getOrCreate(dir.path), (e: unknown) => (e as MmapError).code === 'NOT_A_FILE');
  assert.throws(() => cache.getOrCreate(42 as never), (e: unknown) => e instanceof TypeError);
  assert.equal(cache.stats(), { entries: 0, mappedBytes: 0, hits: 0, misses: 3, evictions: 0, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
});

test('a cached file closed by its holder is mapped again on the next get', () => {
  const cache = new MmapCache({ maxEntries: 2 });
  const a = cache.getOrCreate(files.a!);
  a.close();
  assert.is(cache.has(files.a!), false);
  assert.is(cache.get(files.a!), undefined);
  const again = cache.getOrCreate(files.a!);
  assert.ok(again !== a && !again.closed);
  assert.equal(cache.stats(), { entries: 1, mappedBytes: 10, hits: 0, misses: 2, evictions: 0, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
  cache.clear();
});

test('getOrCreateAsync maps off the main thread; concurrent calls share one open and count when it settles', async () => {
  const cache = new MmapCache({ maxEntries: 2 });
  const opening = [cache.getOrCreateAsync(files.a!, { populate: true, willNeed: true }), cache.getOrCreateAsync(files.a!), cache.getOrCreateAsync(files.a!)];
  assert.equal(cache.stats(), { entries: 0, mappedBytes: 0, hits: 0, misses: 1, evictions: 0, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
  const [first, ...rest] = await Promise.all(opening);
  assert.instance(first, MmapFile);
  for (const file of rest) assert.ok(file === first);
  assert.equal(first!.bytes(), Buffer.alloc(10, 'a'));
  assert.equal(cache.files().map(({ path, hits }) => ({ path, hits })), [{ path: files.a, hits: 2 }]);
  assert.ok((await cache.getOrCreateAsync(files.a!)) === first);
  assert.ok(cache.getOrCreate(files.a!) === first);
  assert.equal(cache.stats(), { entries: 1, mappedBytes: 10, hits: 4, misses: 1, evictions: 0, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
  // The async miss evicts like the sync one.
  await cache.getOrCreateAsync(files.b!);
  await cache.getOrCreateAsync(files.c!);
  assert.equal(names(cache), ['c', 'b']);
  assert.equal(cache.stats(), { entries: 2, mappedBytes: 50, hits: 4, misses: 3, evictions: 1, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
  cache.clear();
});

test('a failed async open rejects every caller with the MmapError; each counts as a miss', async () => {
  const cache = new MmapCache({ maxEntries: 2 });
  const missing = join(dir.path, 'missing.bin');
  const results = await Promise.allSettled([cache.getOrCreateAsync(missing), cache.getOrCreateAsync(missing)]);
  for (const result of results) {
    assert.is(result.status, 'rejected');
    assert.is(((result as PromiseRejectedResult).reason as MmapError).code, 'FILE_NOT_FOUND');
  }
  await cache.getOrCreateAsync(42 as never).then(
    () => assert.unreachable('opened'),
    (e: unknown) => assert.instance(e, TypeError),
  );
  assert.equal(cache.stats(), { entries: 0, mappedBytes: 0, hits: 0, misses: 2, evictions: 0, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
});

/** Collects and lets finalizers run until no mapping of earlier tests is still waiting to be unmapped. */
async function settleMappings(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0, last = -1; round < 20 && mappingStats().mappings !== last; round++) {
    last = mappingStats().mappings;
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a sync open during an async one for the same path wins; the async one gives the cached file', async () => {
  const cache = new MmapCache({ maxEntries: 2 });
  await settleMappings(); // views of earlier tests unmapped now, not while this one counts
  const before = mappingStats().mappings;
  const pending = cache.getOrCreateAsync(files.d!);
  const sync = cache.getOrCreate(files.d!);
  assert.ok((await pending) === sync);
  assert.is(cache.len, 1);
  assert.is(mappingStats().mappings, before + 1, 'the second mapping was closed');
  assert.equal(cache.stats(), { entries: 1, mappedBytes: 40, hits: 0, misses: 2, evictions: 0, maxEntries: 2, maxBytes: Number.MAX_SAFE_INTEGER });
  cache.clear();
});

test.run();
