// The token bucket (src/auth/rate-limit.ts) on a clock the test moves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RateLimiter } from '../../src/auth/rate-limit.ts';

test('a burst of 2N, then N a second; Retry-After in whole seconds; clients apart', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 40, now: () => now });
  let ok = 0;
  for (let i = 0; i < 300; i++) if (limiter.take('a').ok) ok++;
  assert.is(ok, 80, 'the burst');
  const refused = limiter.take('a');
  assert.equal(refused, { ok: false, retryAfter: 1 });
  assert.ok(limiter.take('b').ok, 'another client has its own bucket');
  now = 0.5;
  ok = 0;
  for (let i = 0; i < 100; i++) if (limiter.take('a').ok) ok++;
  assert.is(ok, 20, 'half a second refills 20');
  now = 100;
  assert.equal(limiter.take('a'), { ok: true, remaining: 79 }, 'refills to the burst, not past it');
  assert.is(limiter.refused.get('other'), 221 + 80);
});

test('a slow rate: Retry-After counts the seconds until one request is allowed', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 0.25, now: () => now });
  assert.ok(limiter.take('a').ok);
  assert.equal(limiter.take('a'), { ok: false, retryAfter: 4 });
  now = 2;
  assert.equal(limiter.take('a'), { ok: false, retryAfter: 2 });
});

test('headers of the IETF httpapi draft', () => {
  const limiter = new RateLimiter({ perSecond: 40, now: () => 0 });
  assert.is(limiter.policyHeader(), '"default";q=80;w=2');
  const first = limiter.take('a');
  assert.is(limiter.stateHeader(first), '"default";r=79;t=1');
  assert.is(limiter.stateHeader({ ok: false, retryAfter: 3 }), '"default";r=0;t=3');
});

test('the table of clients stays bounded', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 1, maxClients: 100, now: () => now });
  for (let i = 0; i < 1000; i++) {
    now += 0.001;
    limiter.take(`c${i}`);
  }
  assert.ok((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size <= 100);
});

test('a rate that is not a positive number is refused', () => {
  for (const perSecond of [0, -1, Number.NaN, Infinity]) assert.throws(() => new RateLimiter({ perSecond }), /perSecond/);
});

test.run();
