// Subscription.cacheStats over server-sent events (yoga.fetch, no socket), and its source (stats-stream.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import type { CacheEvents } from '../../../src/graphql/services/ports.ts';
import { createCacheEvents, statsStream } from '../../../src/graphql/services/stats-stream.ts';
import type { FileRecord } from '../../../src/store/types.ts';
import { ADMIN_TOKEN, bearer, FakeCache, FakeStore, fakeYoga, post, seedModel } from '../../helpers/graphql-services.ts';

const { yoga, store, cache } = fakeYoga();
let model: FileRecord;

beforeAll(test, () => {
  model = seedModel(store);
});

/** Reads server-sent events one at a time; comments (keep-alives) are skipped. */
function sse(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<{ event: string; data: any }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n').filter((l) => !l.startsWith(':'));
          if (lines.length === 0) continue;
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim() ?? 'message';
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          return { event, data: data ? JSON.parse(data) : null };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended; left: ${JSON.stringify(buffer)}`);
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

async function subscribe(intervalMs: number) {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription($ms: Int!) { cacheStats(intervalMs: $ms) { entries mappedBytes hits misses files { cid } } }', variables: { ms: intervalMs } }),
  });
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  return sse(response.body!);
}

test('the subscription sends the stats now, then again after clearCache, evictFromCache and warmCache', async () => {
  cache.clear();
  cache.touch(model.cid);
  // An hour between checks: every later event here comes from a mutation, not from the clock.
  const events = await subscribe(3_600_000);
  const first = await events.next();
  assert.is(first.event, 'next');
  assert.equal(first.data.data.cacheStats.files, [{ cid: model.cid }]);
  assert.is(first.data.data.cacheStats.entries, 1);

  await post(yoga, 'mutation { clearCache { __typename } }', {}, bearer(ADMIN_TOKEN));
  const cleared = await events.next();
  assert.equal([cleared.data.data.cacheStats.entries, cleared.data.data.cacheStats.mappedBytes, cleared.data.data.cacheStats.files], [0, 0, []]);

  await post(yoga, 'mutation($cid: CID!) { warmCache(cid: $cid) { __typename } }', { cid: model.cid }, bearer(ADMIN_TOKEN));
  const warmed = await events.next();
  assert.equal(warmed.data.data.cacheStats.files, [{ cid: model.cid }]);

  await post(yoga, 'mutation($cid: CID!) { evictFromCache(cid: $cid) { __typename } }', { cid: model.cid }, bearer(ADMIN_TOKEN));
  const evicted = await events.next();
  assert.is(evicted.data.data.cacheStats.entries, 0);
  await events.cancel();
});

test('changes made outside the API (reads through the cache) arrive at the next check', async () => {
  cache.clear();
  const events = await subscribe(100);
  const first = await events.next();
  assert.is(first.data.data.cacheStats.entries, 0);
  cache.touch(model.cid);
  const next = await events.next();
  assert.is(next.data.data.cacheStats.entries, 1);
  await events.cancel();
});

test('an interval out of bounds is a clear error, not a 500', async () => {
  for (const ms of [0, 99, 3_600_001]) {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription($ms: Int!) { cacheStats(intervalMs: $ms) { entries } }', variables: { ms } }),
    });
    assert.ok(response.status < 500, String(response.status));
    const text = await response.text();
    assert.match(text, /intervalMs must be between 100 and 3600000/, text);
    assert.match(text, /INVALID_ARGUMENT/);
  }
});

function countingEvents(): CacheEvents & { listeners: () => number } {
  const inner = createCacheEvents();
  let count = 0;
  return {
    changed: inner.changed,
    subscribe(listener) {
      count++;
      const off = inner.subscribe(listener);
      return () => {
        count--;
        return off();
      };
    },
    listeners: () => count,
  };
}

test('stats stream: sends only changes; a slow reader gets the latest snapshot, not a queue', async () => {
  const fakeStore = new FakeStore();
  const file = seedModel(fakeStore);
  const fakeCache = new FakeCache(fakeStore);
  const events = countingEvents();
  const stream = statsStream(fakeCache, events, 3_600_000);
  assert.is((await stream.next()).value!.entries, 0);
  fakeCache.touch(file.cid);
  events.changed();
  fakeCache.touch(file.cid);
  events.changed();
  const next = await stream.next();
  assert.equal([next.value!.entries, next.value!.hits, next.value!.misses], [1, 1, 1]);
  const pending = stream.next();
  events.changed();
  fakeCache.clear();
  events.changed();
  assert.is((await pending).value!.entries, 0);
  await stream.return!();
});

test('stats stream: return() ends a waiting next() and drops its listener and timer', async () => {
  const fakeCache = new FakeCache(new FakeStore());
  const events = countingEvents();
  const stream = statsStream(fakeCache, events, 3_600_000);
  await stream.next();
  assert.is(events.listeners(), 1);
  const waiting = stream.next();
  await stream.return!();
  assert.equal(await waiting, { value: undefined, done: true });
  assert.is(events.listeners(), 0);
  assert.equal(await stream.next(), { value: undefined, done: true });
});

test.run();
