// The worker's cache port with a fake primary: mutations are done here and in every other worker before they
// settle, stats sum and list the workers, files merge by CID, and bounds that are "none" stay "none".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CacheEntryRecord, CachePort, CacheStatsRecord } from '../../src/graphql/services/ports.ts';
import { clusterCachePort, mergeFiles, sumStats, type ClusterMessage, type WorkerSnapshot } from '../../src/server/cluster-cache.ts';

const silent = { warn() {} };

/** A small hand-written cache: a set of mapped CIDs and counters. */
function fakeCache(maxBytes = Number.MAX_SAFE_INTEGER): CachePort & { mapped: Map<string, CacheEntryRecord> } {
  const mapped = new Map<string, CacheEntryRecord>();
  let misses = 0;
  return {
    mapped,
    stats: (): CacheStatsRecord => ({ entries: mapped.size, maxEntries: 8, mappedBytes: mapped.size * 100, maxBytes, hits: 0, misses, evictions: 0 }),
    files: () => [...mapped.values()],
    clear: () => mapped.clear(),
    evict: (cid) => mapped.delete(cid),
    async warm(cid) {
      misses++;
      const entry = { cid, path: null, size: 100, hits: 0, lastAccess: Date.now() };
      mapped.set(cid, entry);
      return entry;
    },
  };
}

/** Two workers wired through a fake primary that relays like src/server/cluster.ts. */
function twoWorkers() {
  const caches = [fakeCache(), fakeCache()];
  const listeners: Array<(m: ClusterMessage) => void> = [];
  const pending = new Map<number, { from: number; id: number; snapshots: WorkerSnapshot[] }>();
  let relayId = 0;
  const deliver = (to: number, message: ClusterMessage) => queueMicrotask(() => listeners[to]!(message));
  const primary = (from: number, message: ClusterMessage) => {
    if (message.ipfrs === 'cache-request') {
      const id = ++relayId;
      pending.set(id, { from, id: message.id, snapshots: [] });
      deliver(1 - from, { ipfrs: 'cache-op', id, op: message.op });
    } else if (message.ipfrs === 'cache-reply') {
      const relay = pending.get(message.id)!;
      relay.snapshots.push(message.snapshot);
      deliver(relay.from, { ipfrs: 'cache-done', id: relay.id, snapshots: relay.snapshots });
    }
  };
  const ports = caches.map((cache, i) =>
    clusterCachePort(cache, { worker: i + 1, send: (m) => primary(i, m), onMessage: (l) => (listeners[i] = l) }, silent),
  );
  return { caches, ports };
}

test('a mutation settles once the other worker has done it too', async () => {
  const { caches, ports } = twoWorkers();
  await ports[0]!.warm('a', { access: 'default', populate: false });
  assert.is(caches[1]!.mapped.size, 1, 'warmed in the other worker before warm() settled');
  assert.equal(ports[0]!.stats().workers!.map((w) => [w.worker, w.entries]), [[1, 1], [2, 1]]);
  assert.is(ports[0]!.stats().entries, 2);
  assert.is(await ports[1]!.evict('a'), true);
  assert.is(caches[0]!.mapped.size, 0);
  assert.is(await ports[0]!.evict('a'), false, 'mapped nowhere');
  await ports[1]!.warm('b', { access: 'default', populate: false });
  await ports[0]!.clear();
  assert.equal(ports[0]!.stats().workers!.map((w) => w.entries), [0, 0]);
  assert.is(caches[1]!.mapped.size, 0);
});

test('refresh brings the other workers\' figures up to date', async () => {
  const { caches, ports } = twoWorkers();
  caches[1]!.mapped.set('x', { cid: 'x', path: null, size: 100, hits: 3, lastAccess: 5 });
  assert.is(ports[0]!.stats().entries, 0, 'not known before a round trip');
  await ports[0]!.refresh!();
  assert.is(ports[0]!.stats().entries, 1);
  assert.equal(ports[0]!.files().map((f) => f.cid), ['x']);
});

test('sumStats adds counts and keeps an unbounded bound unbounded', () => {
  const unbounded = { entries: 1, maxEntries: 8, mappedBytes: 10, maxBytes: Number.MAX_SAFE_INTEGER, hits: 2, misses: 1, evictions: 0 };
  const sum = sumStats([unbounded, { ...unbounded, maxBytes: 1000 }]);
  assert.equal(sum, { entries: 2, maxEntries: 16, mappedBytes: 20, maxBytes: Number.MAX_SAFE_INTEGER, hits: 4, misses: 2, evictions: 0 });
  assert.is(sumStats([{ ...unbounded, maxBytes: 1000 }, { ...unbounded, maxBytes: 24 }]).maxBytes, 1024);
});

test('mergeFiles lists a file once, hits summed, most recent first', () => {
  const e = (cid: string, hits: number, lastAccess: number): CacheEntryRecord => ({ cid, path: null, size: 1, hits, lastAccess });
  assert.equal(mergeFiles([[e('a', 1, 10), e('b', 2, 30)], [e('a', 4, 40)]]), [e('a', 5, 40), e('b', 2, 30)]);
});

test.run();
