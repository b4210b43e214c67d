// The access model (src/auth/access.ts): bearer parsing, private reads, rate limits by token or address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Access } from '../../src/auth/access.ts';
import { staticTokens, type TokenInfo } from '../../src/auth/tokens.ts';

const info = (id: string, scope: TokenInfo['scope'], expires: number | null = null): TokenInfo => ({ id, name: `n-${id}`, scope, created: 0, expires, lastUsed: null });
const tokens = staticTokens([
  { secret: 'ipfrs_r', info: info('r', 'read') },
  { secret: 'ipfrs_w', info: info('w', 'write') },
  { secret: 'ipfrs_a', info: info('a', 'admin') },
  { secret: 'ipfrs_old', info: info('old', 'admin', 1) },
]);

test('who is asking', () => {
  const access = new Access({ tokens });
  const view = (h: string | null) => {
    const p = access.authenticate(h);
    return [p.token, [...p.scopes].sort().join(','), p.id];
  };
  assert.equal(view(null), ['none', '', null]);
  assert.equal(view('Bearer ipfrs_r'), ['valid', 'read', 'r']);
  assert.equal(view('Bearer ipfrs_w'), ['valid', 'read,write', 'w']);
  assert.equal(view('bearer ipfrs_a'), ['valid', 'admin,read,write', 'a']);
  assert.equal(view('Bearer ipfrs_old'), ['expired', '', null]);
  assert.equal(view('Bearer ipfrs_x'), ['unknown', '', null]);
  assert.equal(view('Basic x'), ['malformed', '', null]);
});

test('private: reads need a read token, or a signed link', () => {
  const access = new Access({ tokens, private: true });
  const req = (authorization?: string) => ({ authorization, peer: '10.0.0.1' });
  const refused = access.admit(req(), 'graphql', { reads: true });
  assert.equal(refused.ok ? null : [refused.status, refused.code], [401, 'UNAUTHENTICATED']);
  assert.match(refused.ok ? '' : refused.message, /this server is private/);
  assert.ok(access.admit(req('Bearer ipfrs_r'), 'graphql', { reads: true }).ok);
  assert.ok(access.admit(req(), 'download', { reads: true, signed: true }).ok);
  const expired = access.admit(req('Bearer ipfrs_old'), 'graphql', { reads: true });
  assert.match(expired.ok ? '' : expired.message, /expired/);
  assert.ok(new Access({ tokens }).admit(req(), 'graphql', { reads: true }).ok, 'open by default');
});

test('rate limits count by token id, else by address (X-Forwarded-For only when trusted)', () => {
  let now = 0;
  const access = new Access({ tokens, rateLimit: 2, clock: () => now });
  const burst = (request: { authorization?: string; peer: string; forwardedFor?: string }) => {
    let ok = 0;
    for (let i = 0; i < 10; i++) if (access.admit(request, 'graphql').ok) ok++;
    return ok;
  };
  assert.is(burst({ peer: '1.1.1.1' }), 4);
  assert.is(burst({ peer: '1.1.1.1', authorization: 'Bearer ipfrs_r' }), 4, 'a token has its own bucket');
  assert.is(burst({ peer: '2.2.2.2', authorization: 'Bearer ipfrs_r' }), 0, 'the same token from elsewhere shares it');
  assert.is(burst({ peer: '1.1.1.1', forwardedFor: '9.9.9.9' }), 0, 'X-Forwarded-For is ignored by default');
  const refusal = access.admit({ peer: '1.1.1.1' }, 'graphql');
  assert.ok(!refusal.ok);
  if (!refusal.ok) {
    assert.is(refusal.status, 429);
    assert.is(refusal.headers['Retry-After'], '1');
    assert.is(refusal.headers['RateLimit-Policy'], '"default";q=4;w=2');
    assert.match(refusal.headers.RateLimit!, /^"default";r=0;t=1$/);
  }
  const proxied = new Access({ tokens, rateLimit: 2, trustProxy: true, clock: () => now });
  let ok = 0;
  for (let i = 0; i < 10; i++) if (proxied.admit({ peer: '127.0.0.1', forwardedFor: `10.0.0.${i}, 127.0.0.1` }, 'graphql').ok) ok++;
  assert.is(ok, 10, 'behind a trusted proxy, each forwarded client has its own bucket');
  now = 1;
  assert.ok(access.admit({ peer: '1.1.1.1' }, 'graphql').ok, 'refilled');
});

test.run();
