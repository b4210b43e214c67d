import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import {
  canonicalPath,
  canonicalString,
  DEFAULT_CLOCK_SKEW,
  generateKey,
  keyRingFromJSON,
  keyRingToJSON,
  MAX_EXPIRES_IN,
  newKeyRing,
  parseKeyRing,
  rotateKeyRing,
  serialiseKeyRing,
  signature,
  signPath,
  verifyRequest,
  withoutKey,
  type KeyRing,
  type VerifyResult,
} from '../../src/http/sign.ts';

const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const OTHER_CID = 'bafkreie7ohywtosou76tasm7j63yigtzxe7d5zqus4zu3j6oltvgtibeom';
const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const RING: KeyRing = { current: 'k1', keys: new Map([['k1', KEY]]) };
const NOW = 1_700_000_000;
const PATH = `/v1/tensor/${CID}/model.layers.0.weight`;

function split(url: string): { path: string; params: URLSearchParams } {
  const q = url.indexOf('?');
  return { path: url.slice(0, q), params: new URLSearchParams(url.slice(q + 1)) };
}

function verifyUrl(url: string, now = NOW, ring = RING, clockSkewSeconds?: number): VerifyResult {
  const { path, params } = split(url);
  return verifyRequest(path, params, { ring, now, clockSkewSeconds });
}

const reason = (r: VerifyResult) => (r.ok ? 'ok' : r.reason);

test('the canonical string is as documented', () => {
  const link = signPath(PATH, { slice: '0:2, :', format: 'npy' }, { ring: RING, now: NOW, expiresIn: 900 });
  assert.is(link.expiresAt, NOW + 900);
  const canonical = canonicalString(PATH, split(link.url).params);
  assert.is(canonical, `v1\n${PATH}\nexp=${NOW + 900}&format=npy&kid=k1&slice=0%3A2%2C%20%3A`);
  assert.is(link.query, `exp=${NOW + 900}&format=npy&kid=k1&slice=0%3A2%2C%20%3A&sig=${signature(KEY, canonical)}`);
  assert.is(link.url, `${PATH}?${link.query}`);
  assert.equal(verifyUrl(link.url), { ok: true, kid: 'k1', expiresAt: NOW + 900 });
});

test('a signature computed independently with openssl is accepted', () => {
  const exp = NOW + 600;
  // The canonical string written out by hand, not by canonicalString.
  const canonical = `v1\n${PATH}\nexp=${exp}&format=npy&kid=k1&slice=0%3A2%2C%20%3A`;
  const mac = execFileSync('openssl', ['dgst', '-sha256', '-mac', 'HMAC', '-macopt', `hexkey:${KEY.toString('hex')}`, '-binary'], { input: canonical });
  assert.is(mac.length, 32);
  const sig = mac.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  // A client that spells the query its own way: '+' for space, ':' and ',' unescaped, another order.
  const params = new URLSearchParams(`slice=0:2,+:&sig=${sig}&kid=k1&format=npy&exp=${exp}`);
  assert.equal(verifyRequest(PATH, params, { ring: RING, now: NOW }), { ok: true, kid: 'k1', expiresAt: exp });
  // and openssl's MAC differs for any other key
  params.set('kid', 'k2');
  const other: KeyRing = { current: 'k1', keys: new Map([['k1', KEY], ['k2', Buffer.alloc(32, 7)]]) };
  assert.is(reason(verifyRequest(PATH, params, { ring: other, now: NOW })), 'bad signature');
});

test('clients that re-encode the URL still verify', () => {
  const link = signPath(`/v1/tensor/${CID}/enc oder/~w(1)`, { slice: '..., ::-1', format: 'raw' }, { ring: RING, now: NOW });
  const { path, params } = split(link.url);
  // URLSearchParams re-encodes (space as '+', parentheses escaped); paths get their escapes in another case.
  const reencoded = new URLSearchParams(params.toString());
  assert.is(reason(verifyRequest(path, reencoded, { ring: RING, now: NOW })), 'ok');
  const otherPath = path.replace('enc%20oder', 'enc%20oder').replace('~w', '%7ew').replace('(1)', '%281%29');
  assert.is.not(otherPath, path);
  assert.is(reason(verifyRequest(otherPath, params, { ring: RING, now: NOW })), 'ok');
  assert.is(canonicalPath('/a%7eb/%41'), '/a~b/A');
  assert.is(canonicalPath('/a%2Fb'), '/a%2Fb'); // an encoded slash is not a slash
  assert.is.not(canonicalPath('/a%2Fb'), canonicalPath('/a/b'));
});

test('changing anything gives bad signature', () => {
  const link = signPath(PATH, { slice: '0:2', format: 'npy' }, { ring: RING, now: NOW });
  const { path, params } = split(link.url);
  const tampered = (edit: (p: URLSearchParams) => void, p = path) => {
    const copy = new URLSearchParams(params);
    edit(copy);
    return reason(verifyRequest(p, copy, { ring: RING, now: NOW }));
  };
  assert.is(tampered(() => {}), 'ok');
  assert.is(tampered((p) => p.set('slice', '0:3')), 'bad signature');
  assert.is(tampered((p) => p.set('format', 'raw')), 'bad signature');
  assert.is(tampered((p) => p.delete('format')), 'bad signature');
  assert.is(tampered((p) => p.append('extra', '1')), 'bad signature');
  assert.is(tampered((p) => p.set('exp', String(Number(p.get('exp')) + 3600))), 'bad signature');
  assert.is(tampered(() => {}, path.replace(CID, OTHER_CID)), 'bad signature'); // replay on another CID
  assert.is(tampered(() => {}, `/v1/tensor/${CID}/model.layers.1.weight`), 'bad signature'); // another tensor
  assert.is(tampered(() => {}, `/v1/blob/${CID}`), 'bad signature');
  const sig = params.get('sig')!;
  const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
  assert.is(tampered((p) => p.set('sig', flipped)), 'bad signature');
  assert.is(tampered((p) => p.set('sig', sig.slice(0, 42))), 'bad signature'); // short
  assert.is(tampered((p) => p.set('sig', `${sig}A`)), 'bad signature'); // long
  assert.is(tampered((p) => p.set('sig', `${sig}=`)), 'bad signature'); // padded
  assert.is(tampered((p) => p.set('sig', '')), 'bad signature');
  assert.is(tampered((p) => p.set('sig', '!'.repeat(43))), 'bad signature');
  // a second spelling of the same bytes (the last character's 2 spare bits set) is not accepted either
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelt = sig.slice(0, 42) + alphabet[alphabet.indexOf(sig[42]!) | 1];
  assert.equal(Buffer.from(respelt, 'base64url'), Buffer.from(sig, 'base64url'));
  assert.is(tampered((p) => p.set('sig', respelt)), 'bad signature');
});

test('missing, malformed and unknown', () => {
  const link = signPath(PATH, {}, { ring: RING, now: NOW });
  const { path, params } = split(link.url);
  const without = (name: string) => {
    const copy = new URLSearchParams(params);
    copy.delete(name);
    return reason(verifyRequest(path, copy, { ring: RING, now: NOW }));
  };
  assert.is(reason(verifyRequest(path, new URLSearchParams(), { ring: RING, now: NOW })), 'missing signature');
  assert.is(without('sig'), 'missing signature');
  assert.is(without('exp'), 'malformed');
  assert.is(without('kid'), 'malformed');
  const edited = (edit: (p: URLSearchParams) => void, p = path) => {
    const copy = new URLSearchParams(params);
    edit(copy);
    return reason(verifyRequest(p, copy, { ring: RING, now: NOW }));
  };
  assert.is(edited((p) => p.set('kid', 'nope')), 'unknown key');
  assert.is(edited((p) => p.set('kid', 'bad kid!')), 'malformed');
  assert.is(edited((p) => p.set('exp', '12e3')), 'malformed');
  assert.is(edited((p) => p.set('exp', '-5')), 'malformed');
  assert.is(edited((p) => p.append('sig', p.get('sig')!)), 'malformed'); // repeated
  assert.is(edited((p) => p.append('exp', p.get('exp')!)), 'malformed');
  assert.is(edited(() => {}, `${path}%zz`), 'malformed');
  assert.is(edited(() => {}, 'relative/path'), 'malformed');
});

test('expiry: default 15 minutes, valid up to exp + clock skew (30 s by default)', () => {
  assert.is(DEFAULT_CLOCK_SKEW, 30);
  const link = signPath(PATH, {}, { ring: RING, now: NOW });
  assert.is(link.expiresAt, NOW + 900);
  assert.is(reason(verifyUrl(link.url, NOW + 900)), 'ok');
  assert.is(reason(verifyUrl(link.url, NOW + 900 + 30)), 'ok');
  assert.is(reason(verifyUrl(link.url, NOW + 900 + 31)), 'expired');
  assert.is(reason(verifyUrl(link.url, NOW + 900 + 0.5, RING, 0)), 'ok'); // fractional clocks are floored
  assert.is(reason(verifyUrl(link.url, NOW + 901, RING, 0)), 'expired');
  assert.is(reason(verifyUrl(link.url, NOW + 1000, RING, 300)), 'ok');
  // a link from a signer whose clock is ahead by up to the skew works at once
  const ahead = signPath(PATH, {}, { ring: RING, now: NOW + 30, expiresIn: MAX_EXPIRES_IN });
  assert.is(reason(verifyUrl(ahead.url, NOW)), 'ok');
  const further = signPath(PATH, {}, { ring: RING, now: NOW + 60, expiresIn: MAX_EXPIRES_IN });
  assert.is(reason(verifyUrl(further.url, NOW, RING, 60)), 'ok', 'with --clock-skew 60');
});

test('the signature is judged before the expiry: a forged old link is a bad signature', () => {
  const link = signPath(PATH, {}, { ring: RING, now: NOW });
  const { path, params } = split(link.url);
  params.set('sig', 'A'.repeat(43));
  assert.is(reason(verifyRequest(path, params, { ring: RING, now: NOW + 10_000 })), 'bad signature');
});

test('expiresIn limits: 1 s to 7 days, whole seconds', () => {
  assert.is(signPath(PATH, {}, { ring: RING, now: NOW, expiresIn: MAX_EXPIRES_IN }).expiresAt, NOW + 604800);
  assert.throws(() => signPath(PATH, {}, { ring: RING, now: NOW, expiresIn: MAX_EXPIRES_IN + 1 }), /longer than the maximum of 7 days \(604800s\)/);
  for (const expiresIn of [0, -1, 1.5, NaN]) assert.throws(() => signPath(PATH, {}, { ring: RING, expiresIn }), RangeError);
});

test('a genuine link that lives longer than 7 days (+ skew) is refused', () => {
  const exp = NOW + MAX_EXPIRES_IN + DEFAULT_CLOCK_SKEW + 1;
  const canonical = `v1\n${PATH}\nexp=${exp}&kid=k1`;
  const params = new URLSearchParams({ exp: String(exp), kid: 'k1', sig: signature(KEY, canonical) });
  assert.is(reason(verifyRequest(PATH, params, { ring: RING, now: NOW })), 'malformed');
  params.set('exp', String(exp - 1));
  params.set('sig', signature(KEY, `v1\n${PATH}\nexp=${exp - 1}&kid=k1`));
  assert.is(reason(verifyRequest(PATH, params, { ring: RING, now: NOW })), 'ok');
});

test('signPath refuses reserved or repeated names', () => {
  for (const name of ['exp', 'kid', 'sig']) assert.throws(() => signPath(PATH, { [name]: '1' }, { ring: RING }), TypeError);
  assert.throws(
    () =>
      signPath(PATH, [
        ['slice', '1'],
        ['slice', '2'],
      ], { ring: RING }),
    /twice/,
  );
  assert.throws(() => signPath(PATH, {}, { ring: { current: 'gone', keys: new Map() } }), /no key/);
  assert.throws(() => signPath(PATH, { slice: 'x\ud800' }, { ring: RING }), TypeError);
  assert.throws(() => signPath(`${PATH}%zz`, {}, { ring: RING }), TypeError);
});

test('rotation: old kids verify while in the ring, and stop once removed', () => {
  const first = newKeyRing();
  const old = signPath(PATH, {}, { ring: first, now: NOW });
  const second = rotateKeyRing(first);
  assert.is.not(second.current, first.current);
  assert.is(second.keys.size, 2);
  const fresh = signPath(PATH, {}, { ring: second, now: NOW });
  assert.is(split(fresh.url).params.get('kid'), second.current);
  assert.is(reason(verifyUrl(old.url, NOW, second)), 'ok');
  assert.is(reason(verifyUrl(fresh.url, NOW, second)), 'ok');
  const pruned = withoutKey(second, first.current);
  assert.is(reason(verifyUrl(old.url, NOW, pruned)), 'unknown key');
  assert.is(reason(verifyUrl(fresh.url, NOW, pruned)), 'ok');
  assert.throws(() => withoutKey(pruned, pruned.current), /current/);
});

test('keys: 32 random bytes and a short URL-safe kid', () => {
  const a = generateKey();
  const b = generateKey();
  assert.is(a.key.length, 32);
  assert.match(a.kid, /^[A-Za-z0-9_-]{8}$/);
  assert.not.equal(a.key, b.key);
  assert.is.not(a.kid, b.kid);
});

test('the JSON form round-trips and is the store\'s format', () => {
  const ring = rotateKeyRing(newKeyRing());
  const text = serialiseKeyRing(ring);
  const back = parseKeyRing(text);
  assert.is(back.current, ring.current);
  assert.equal([...back.keys].map(([k, v]) => [k, v.toString('hex')]), [...ring.keys].map(([k, v]) => [k, v.toString('hex')]));
  // src/store/secrets.ts writes { current, keys: { kid: hex } }
  const stored = { current: 'abcdEFGH', keys: { abcdEFGH: KEY.toString('hex') } };
  assert.equal(keyRingToJSON(keyRingFromJSON(stored)), stored);
});

test('bad rings are refused without echoing key bytes', () => {
  const hex = KEY.toString('hex');
  const bad: unknown[] = [
    null,
    [],
    { current: 'k1' },
    { current: 'k1', keys: [] },
    { current: 'k1', keys: { k2: hex } },
    { current: 'k1', keys: { k1: 'zz' } },
    { current: 'k1', keys: { k1: 'abc' } },
    { current: 'k1', keys: { k1: hex.slice(0, 30) } }, // 15 bytes
    { current: 'k 1', keys: { 'k 1': hex } },
    { current: 'k1', keys: { k1: hex, 'bad/kid': hex } },
    { current: 1, keys: { 1: hex } },
  ];
  for (const json of bad) {
    try {
      keyRingFromJSON(json);
      assert.unreachable(JSON.stringify(json));
    } catch (error) {
      assert.instance(error, TypeError);
      assert.not.ok(String((error as Error).message).includes(hex.slice(0, 16)), (error as Error).message);
    }
  }
  assert.throws(() => parseKeyRing('{'), /not valid JSON/);
});

test('property: any one-character change to a signed URL is refused', () => {
  const link = signPath(PATH, { slice: '0:2, 1', format: 'npy' }, { ring: RING, now: NOW });
  const chars = fc.constantFrom(...'abcAB019-_.~%/:?&=+,'.split(''));
  fc.assert(
    fc.property(fc.nat(link.url.length - 1), chars, (at, c) => {
      const changed = link.url.slice(0, at) + c + link.url.slice(at + 1);
      fc.pre(changed !== link.url && changed.includes('?'));
      const r = verifyUrl(changed);
      if (r.ok) {
        // only a spelling of the same request may pass: same decoded path and parameters
        const a = split(link.url);
        const b = split(changed);
        assert.is(canonicalString(b.path, b.params), canonicalString(a.path, a.params), changed);
      }
    }),
    { numRuns: 3000 },
  );
});

test('property: verifyRequest never throws', () => {
  const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('%', '%zz', '%E0%A4%A', '\ud800', 'k1'));
  const params = fc.array(fc.tuple(fc.constantFrom('exp', 'kid', 'sig', 'slice', 'x'), text), { maxLength: 6 });
  fc.assert(
    fc.property(text, params, (pathTail, pairs) => {
      const search = new URLSearchParams(pairs);
      assert.type(verifyRequest(`/v1/${pathTail}`, search, { ring: RING, now: NOW }).ok, 'boolean');
      assert.type(verifyRequest(pathTail, search, { ring: RING }).ok, 'boolean');
    }),
    { numRuns: 5000 },
  );
});

test.run();
