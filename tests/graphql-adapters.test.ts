// The ports over the real services (src/graphql/adapters.ts), against hand-written stand-ins of MmapCache and
// TensorReader with their contract's shape.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MmapCache, MmapConfigInit, MmapFile } from '../src/mmap/index.ts';
import { mmapCachePort, tensorReaderPort } from '../src/graphql/adapters.ts';
import type { TensorRecord } from '../src/store/types.ts';
import type { SlicePlan } from '../src/tensor/slice.ts';

const ROOT = '/store/objects/';
const paths = { objectPath: (cid: string) => `${ROOT}${cid}`, cidOfPath: (path: string) => path.slice(ROOT.length) };

function standIn() {
  const mapped = new Map<string, { size: number; hits: number; lastAccessMs: number; advice: MmapConfigInit[] }>();
  let hits = 0;
  let misses = 0;
  const calls: string[] = [];
  const cache = {
    async getOrCreateAsync(path: string, config?: MmapConfigInit) {
      calls.push(`open ${path}`);
      let entry = mapped.get(path);
      if (entry) {
        hits++;
        entry.hits++;
      } else {
        misses++;
        entry = { size: 100, hits: 0, lastAccessMs: 1_700_000_000_000, advice: [] };
        mapped.set(path, entry);
      }
      if (config) entry.advice.push(config);
      const file = { size: entry.size, adviseAsync: async (c: MmapConfigInit) => void entry!.advice.push(c) };
      return file as unknown as MmapFile;
    },
    evict: (path: string) => mapped.delete(path),
    clear: () => mapped.clear(),
    stats: () => ({ entries: mapped.size, mappedBytes: mapped.size * 100, hits, misses, evictions: 0, maxEntries: 8, maxBytes: 1 << 20 }),
    files: () => [...mapped].map(([path, e]) => ({ path, size: e.size, hits: e.hits, lastAccessMs: e.lastAccessMs })),
  };
  return { cache: cache as unknown as MmapCache, mapped, calls };
}

test('the cache port speaks CIDs, hides object paths unless asked, and passes stats through', async () => {
  const { cache } = standIn();
  const port = mmapCachePort(cache, paths);
  const entry = await port.warm('bafkreiaaa', { access: 'default', populate: false });
  assert.equal(entry, { cid: 'bafkreiaaa', path: null, size: 100, hits: 0, lastAccess: 1_700_000_000_000 });
  assert.equal(port.files(), [entry]);
  assert.equal(port.stats(), { entries: 1, mappedBytes: 100, hits: 0, misses: 1, evictions: 0, maxEntries: 8, maxBytes: 1 << 20 });
  const shown = mmapCachePort(cache, paths, { showPaths: true });
  assert.is(shown.files()[0]!.path, `${ROOT}bafkreiaaa`);
});

test('warm maps with the advice asked for, and re-advises a file mapped before', async () => {
  const { cache, mapped } = standIn();
  const port = mmapCachePort(cache, paths);
  await port.warm('bafkreibbb', { access: 'sequential', populate: true });
  const again = await port.warm('bafkreibbb', { access: 'random', populate: false });
  assert.is(again.hits, 1);
  assert.equal(mapped.get(`${ROOT}bafkreibbb`)!.advice, [
    { populate: true, willNeed: true, sequential: true },
    { populate: true, willNeed: true, sequential: true },
    { populate: false, willNeed: false, random: true },
    { populate: false, willNeed: false, random: true },
  ]);
  await port.warm('bafkreiccc', { access: 'hugepages', populate: false });
  assert.equal(mapped.get(`${ROOT}bafkreiccc`)!.advice[0], { populate: false, willNeed: false, hugepages: true });
});

test('evict and clear go by object path', async () => {
  const { cache, mapped } = standIn();
  const port = mmapCachePort(cache, paths);
  await port.warm('bafkreiaaa', { access: 'default', populate: false });
  await port.warm('bafkreibbb', { access: 'default', populate: false });
  assert.is(port.evict('bafkreiaaa'), true);
  assert.is(port.evict('bafkreiaaa'), false);
  assert.equal([...mapped.keys()], [`${ROOT}bafkreibbb`]);
  port.clear();
  assert.is(mapped.size, 0);
});

test('the reader port reads ranges and slices through TensorReader', () => {
  const seen: unknown[] = [];
  const tensor = { cid: 'bafkreiaaa', name: 't' } as TensorRecord;
  const plan = { rangeCount: 2 } as SlicePlan;
  const port = tensorReaderPort({
    range: (cid, start, end) => (seen.push(['range', cid, start, end]), Buffer.from([1, 2])),
    sliceBytes: (t, p) => (seen.push(['slice', t, p]), Buffer.from([3])),
  });
  assert.equal([...port.readRange('bafkreiaaa', 4, 6)], [1, 2]);
  assert.equal([...port.readSlice(tensor, plan)], [3]);
  assert.equal(seen, [
    ['range', 'bafkreiaaa', 4, 6],
    ['slice', tensor, plan],
  ]);
});

test.run();
