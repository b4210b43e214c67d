// CacheService through the generated client: stats as the cache has them; Clear, Evict and Warm for the admin
// scope only; WatchStats sends the stats now and again after a change, checks its interval, and ends on shutdown.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cidOfBytes } from '../../src/store/cid.ts';
import type { CacheStats__Output } from '../../src/grpc/generated/ipfrs/v1/CacheStats.ts';
import { bearer, call, collect, failure, startGrpcFixture, TOKENS, type GrpcFixture } from '../helpers/grpc.ts';
import { tempDir } from '../../src/devkit/paths.ts';

let dir: ReturnType<typeof tempDir>;
let fx: GrpcFixture;
let cid = '';

beforeAll(test, async () => {
  dir = tempDir('ipfrs-grpc-cache-');
  fx = await startGrpcFixture(join(dir.path, 'store'));
  const path = join(dir.path, 'a.bin');
  writeFileSync(path, randomBytes(8192));
  cid = (await fx.store.add(path, { dtype: 'U8', shape: [8192] })).file.cid;
});

test.after(async () => {
  await fx.close();
  dir.cleanup();
});

const c = () => fx.clients.cache;
const admin = () => bearer(TOKENS.admin);

test('GetStats: the cache\'s own numbers and entries', async () => {
  fx.reader.open(cid);
  fx.reader.open(cid);
  const stats = await call(c().GetStats.bind(c()), {});
  const own = fx.cache.stats();
  assert.equal([stats.entries, stats.max_entries, stats.mapped_bytes, stats.hits, stats.misses, stats.evictions], [own.entries, own.maxEntries, own.mappedBytes, own.hits, own.misses, own.evictions]);
  assert.is(stats.hit_ratio, own.hits / (own.hits + own.misses));
  assert.equal(stats.files.map((f) => [f.cid, f.size]), [[cid, 8192]]);
});

test('Clear, Evict and Warm need the admin scope (a write token is not enough)', async () => {
  const unauth = await failure(call(c().Clear.bind(c()), {}));
  assert.equal([unauth.code, unauth.details], [status.UNAUTHENTICATED, 'Clear needs the admin scope: send "Authorization: Bearer <token>" with a token that has the admin scope']);
  const write = await failure(call(c().Evict.bind(c()), { cid }, bearer(TOKENS.write)));
  assert.equal([write.code, write.details], [status.PERMISSION_DENIED, 'Evict needs the admin scope, which this token does not have']);
  assert.is((await failure(call(c().Warm.bind(c()), { cid }, bearer('ipfrs_wrong')))).code, status.UNAUTHENTICATED);
  const malformed = await failure(call(c().Warm.bind(c()), { cid }, (() => {
    const m = bearer(TOKENS.admin);
    m.set('authorization', 'Basic abc');
    return m;
  })()));
  assert.is(malformed.code, status.UNAUTHENTICATED);
});

test('Warm maps with advice, Evict unmaps, Clear empties; unknown and bad CIDs are refused', async () => {
  const warmed = await call(c().Warm.bind(c()), { cid, access: 'CACHE_ACCESS_SEQUENTIAL', populate: true }, admin());
  assert.equal([warmed.cid, warmed.size], [cid, 8192]);
  assert.ok(fx.cache.has(fx.store.objectPath(cid)));
  assert.equal(await call(c().Evict.bind(c()), { cid }, admin()), { cid, evicted: true });
  assert.equal(await call(c().Evict.bind(c()), { cid }, admin()), { cid, evicted: false });
  await call(c().Warm.bind(c()), { cid }, admin());
  const cleared = await call(c().Clear.bind(c()), {}, admin());
  assert.equal([cleared.entries, cleared.mapped_bytes, cleared.files], [0, 0, []]);
  const absent = cidOfBytes(Buffer.from('absent'));
  const missing = await failure(call(c().Warm.bind(c()), { cid: absent }, admin()));
  assert.equal([missing.code, missing.details], [status.NOT_FOUND, `no file with CID ${absent}`]);
  assert.is((await failure(call(c().Evict.bind(c()), { cid: 'x' }, admin()))).code, status.INVALID_ARGUMENT);
});

test('WatchStats: now, then at once after a change; a bad interval is INVALID_ARGUMENT', async () => {
  const stream = c().WatchStats({ interval_ms: 60_000 });
  const seen: CacheStats__Output[] = [];
  let wake = () => {};
  stream.on('data', (m: CacheStats__Output) => {
    seen.push(m);
    wake();
  });
  const got = (n: number) =>
    new Promise<void>((resolve) => {
      wake = () => {
        if (seen.length >= n) resolve();
      };
      wake();
    });
  await got(1);
  await call(c().Warm.bind(c()), { cid }, admin());
  // The change event wakes the stream long before its 60 s interval.
  await got(2);
  assert.is(seen[1]!.entries, 1);
  stream.cancel();
  await new Promise((resolve) => stream.on('error', resolve));
  const bad = await failure(collect(c().WatchStats({ interval_ms: 5 })));
  assert.equal([bad.code, bad.details], [status.INVALID_ARGUMENT, 'interval_ms must be between 100 and 3600000, not 5']);
});

test('WatchStats streams end (OK) when the server shuts down', async () => {
  const other = await startGrpcFixture(join(dir.path, 'other'));
  const stream = other.clients.cache.WatchStats({});
  const ended = collect(stream);
  await new Promise((resolve) => stream.once('data', resolve));
  await other.close();
  assert.ok((await ended).length >= 1, "ended with OK after its first message");
});

test.run();
