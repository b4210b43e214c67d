// The ports over the real services (src/graphql/services/adapters.ts), against hand-written stand-ins of MmapCache and
// TensorReader with their contract's shape.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MmapCache, MmapConfigInit, MmapFile } from '../../../src/mmap/index.ts';
import { mmapCachePort, tensorReaderPort } from '../../../src/graphql/services/adapters.ts';
import { StoreUnavailableError } from '../../../src/graphql/errors.ts';
import { translate } from '../../../src/graphql/translate.ts';
import { MmapError } from '../../../src/mmap/errors.ts';
import { StoreError } from '../../../src/store/errors.ts';
import type { TensorRecord } from '../../../src/store/types.ts';
import type { SlicePlan } from '../../../src/tensor/slice.ts';

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

test('the reader port reads ranges and slices through TensorReader, as copies', () => {
  const seen: unknown[] = [];
  const tensor = { cid: 'bafkreiaaa', name: 't' } as TensorRecord;
  const plan = { rangeCount: 2 } as SlicePlan;
  const port = tensorReaderPort({
    copyRange: (cid, start, end) => (seen.push(['range', cid, start, end]), Buffer.from([1, 2])),
    sliceCopy: (t, p) => (seen.push(['slice', t, p]), Buffer.from([3])),
  });
  assert.equal([...port.readRange('bafkreiaaa', 4, 6)], [1, 2]);
  assert.equal([...port.readSlice(tensor, plan)], [3]);
  assert.equal(seen, [
    ['range', 'bafkreiaaa', 4, 6],
    ['slice', tensor, plan],
  ]);
});

test('store faults: the reader port logs them and passes them on; translate makes them StoreUnavailableError', () => {
  const changed = new StoreError('IO', 'the object of bafkreiaaa changed on disk while it was being read; run ipfrs verify');
  const logs: Array<[string, Record<string, unknown> | undefined]> = [];
  const port = tensorReaderPort(
    {
      copyRange: () => {
        throw changed;
      },
      sliceCopy: () => {
        throw new StoreError('NOT_FOUND', 'no file with CID bafkreiaaa');
      },
    },
    { error: (msg, fields) => logs.push([msg, fields]) },
  );
  assert.throws(() => port.readRange('bafkreiaaa', 0, 1), (e: unknown) => e === changed);
  assert.throws(() => port.readSlice({} as TensorRecord, {} as SlicePlan), (e: unknown) => (e as StoreError).code === 'NOT_FOUND');
  assert.equal(logs, [['graphql: store fault (run ipfrs verify)', { error: changed }]], 'only the fault is logged');

  // [error, the client's message]: the cause kept, no server path in the message.
  const cases: Array<[Error, string]> = [
    [changed, changed.message],
    [new StoreError('IO', 'the object of bafkreiaaa changed on disk (1000 bytes, expected 4096); run ipfrs verify'), 'the object of bafkreiaaa changed on disk (1000 bytes, expected 4096); run ipfrs verify'],
    [new StoreError('IO', "/srv/store/objects/bafkreiaaa: EIO: i/o error, read '/srv/store/objects/bafkreiaaa'"), "bafkreiaaa: EIO: i/o error, read 'bafkreiaaa'"],
    [new MmapError('IO_ERROR', "bytes [8192, 9000) of '/srv/store/objects/bafkreibbb' can no longer be read", { path: '/srv/store/objects/bafkreibbb' }), 'the object bafkreibbb changed on disk while it was being read; run ipfrs verify'],
  ];
  for (const [error, message] of cases) {
    const typed = translate(error) as StoreUnavailableError;
    assert.instance(typed, StoreUnavailableError, error.message);
    assert.equal([typed.code, typed.message, typed.extensions.code, (typed as { cause?: unknown }).cause], ['STORE_ERROR', message, 'STORE_ERROR', error]);
  }
  // Other mmap failures stay unexpected (masked and logged by yoga).
  const other = new MmapError('MMAP_FAILED', 'cannot map');
  assert.is(translate(other), other);
});

test.run();
