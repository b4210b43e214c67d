// Fuzz of the signed-link verifier with mutated valid links. For every mutant, verifyRequest must return a typed
// result (never throw), and accept it only when it is another spelling of the very request that was signed:
// the same path segments, parameters and signature once percent-decoded (what the route reads), not expired.
// Conversely every equivalent re-spelling of a live link must be accepted, so the refusals are not just "refuse
// anything unusual". The mutations are what an attacker tries: another CID or tensor, blob <-> tensor, a longer
// expiry, the other kid of the ring, a signature taken from another link, a second spelling of the signature,
// parameters added, dropped or repeated, and random character edits.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { downloadPath, type DownloadTarget } from '../../src/http/paths.ts';
import { DEFAULT_CLOCK_SKEW, MAX_EXPIRES_IN, rotateKeyRing, newKeyRing, signPath, verifyRequest, type KeyRing, type VerifyResult } from '../../src/http/sign.ts';

const SCALE = Math.max(1, Number(process.env.IPFRS_FUZZ_SCALE ?? 1) || 1);
const RUNS = { mutants: 15_000, equivalents: 5_000, expiry: 3_000 };
const NOW = 1_700_000_000;
const CIDS = ['bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'bafkreie7ohywtosou76tasm7j63yigtzxe7d5zqus4zu3j6oltvgtibeom'];
const REASONS = new Set(['missing signature', 'unknown key', 'bad signature', 'expired', 'malformed']);

// Two keys in the ring: the old one is still valid, so swapping kids is a real attack, not an unknown key.
const OLD: KeyRing = newKeyRing();
const RING: KeyRing = rotateKeyRing(OLD);
const OTHER_RING: KeyRing = newKeyRing();

interface Link {
  path: string;
  query: string;
  kid: string;
  expiresAt: number;
}

function split(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** What the route reads from a request: decoded path segments, decoded parameters; null if it cannot be read. */
function meaning(path: string, query: string): string | null {
  let segments: string[];
  try {
    segments = path.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
  const params = new URLSearchParams(query);
  const names = [...params.keys()];
  if (new Set(names).size !== names.length) return null;
  const entries = [...params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify([segments, entries]);
}

function verify(path: string, query: string, now = NOW, ring = RING): VerifyResult {
  let result: VerifyResult;
  try {
    result = verifyRequest(path, new URLSearchParams(query), { ring, now });
  } catch (error) {
    throw new Error(`verifyRequest threw on ${path}?${query}: ${(error as Error).stack}`);
  }
  if (result.ok) assert.type(result.expiresAt, 'number');
  else assert.ok(REASONS.has(result.reason), `a typed reason: ${JSON.stringify(result)}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Valid links

const nameArb = fc.oneof(
  fc.constantFrom('weights', 'model.layers.0.weight', 'encoder/layer_0/kernel', 'a b', 'ünïcødé', 'x%2Fy', 'a+b', 'emb~1', 'a//b', 'q?x=1&y', '🙂'),
  fc.string({ minLength: 1, maxLength: 24 }),
);
const targetArb: fc.Arbitrary<DownloadTarget> = fc.oneof(
  fc.constantFrom(...CIDS).map((cid) => ({ kind: 'blob' as const, cid })),
  fc.tuple(fc.constantFrom(...CIDS), nameArb).map(([cid, name]) => ({ kind: 'tensor' as const, cid, name })),
);
const sliceArb = fc.oneof(fc.constantFrom('0:2, 1', ':, ::-1', '...', '-1', '0', ' ', ''), fc.string({ maxLength: 16 }));

const linkArb: fc.Arbitrary<Link> = fc
  .tuple(targetArb, fc.option(sliceArb, { nil: undefined }), fc.option(fc.constantFrom('raw', 'npy'), { nil: undefined }), fc.integer({ min: 1, max: MAX_EXPIRES_IN }), fc.boolean())
  .map(([target, slice, format, expiresIn, old]) => {
    let path: string;
    try {
      path = downloadPath(target);
    } catch {
      path = downloadPath({ kind: 'blob', cid: target.cid });
    }
    const params: Array<[string, string]> = [];
    if (target.kind === 'tensor' && slice !== undefined) params.push(['slice', slice]);
    if (target.kind === 'tensor' && format !== undefined) params.push(['format', format]);
    // Links signed with the old key too: it is still in the ring.
    const signed = signPath(path, params, { ring: old ? OLD : RING, expiresIn, now: NOW });
    const { path: p, query } = split(signed.url);
    return { path: p, query, kid: old ? OLD.current : RING.current, expiresAt: signed.expiresAt };
  })
  .filter((link) => {
    // Sanity: every generated link verifies as it is.
    const r = verify(link.path, link.query);
    assert.ok(r.ok, `${link.path}?${link.query} should verify`);
    return true;
  });

// ---------------------------------------------------------------------------------------------------------------
// Mutations

type Url = { path: string; query: string };
type Mutation = (u: Url, rand: number, extra: string) => Url;

const setParam = (query: string, name: string, value: string | null): string => {
  const params = new URLSearchParams(query);
  if (value === null) params.delete(name);
  else params.set(name, value);
  return params.toString();
};
const getParam = (query: string, name: string) => new URLSearchParams(query).get(name);
/** encodeURIComponent, or the text as it is when it cannot be encoded (a lone surrogate goes in raw). */
const enc = (text: string): string => {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
};
/** Flips one bit of the decoded signature and re-encodes it in the encoder's own spelling. */
const flipSigBit = (sig: string, bit: number): string => {
  const bytes = Buffer.from(sig, 'base64url');
  if (bytes.length === 0) return 'A';
  bytes[(bit >> 3) % bytes.length]! ^= 1 << (bit & 7);
  return bytes.toString('base64url');
};
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const MUTATIONS: Record<string, Mutation> = {
  otherCid: (u) => ({ ...u, path: u.path.includes(CIDS[0]!) ? u.path.replace(CIDS[0]!, CIDS[1]!) : u.path.replace(CIDS[1]!, CIDS[0]!) }),
  cidCase: (u, r) => {
    const i = u.path.indexOf('bafk') + 4 + (r % 50);
    if (u.path.indexOf('bafk') < 0 || !/[a-z]/.test(u.path[i] ?? '')) return { ...u, path: u.path.toUpperCase() };
    return { ...u, path: u.path.slice(0, i) + u.path[i]!.toUpperCase() + u.path.slice(i + 1) };
  },
  blobToTensor: (u, _r, extra) => ({ ...u, path: u.path.startsWith('/v1/blob/') ? `${u.path.replace('/v1/blob/', '/v1/tensor/')}/${enc(extra || 'w')}` : u.path.replace('/v1/tensor/', '/v1/blob/').split('/').slice(0, 4).join('/') }),
  otherName: (u, _r, extra) => ({ ...u, path: u.path.startsWith('/v1/tensor/') ? `${u.path.split('/').slice(0, 4).join('/')}/${enc(extra)}` : `${u.path}/${enc(extra)}` }),
  appendSegment: (u, _r, extra) => ({ ...u, path: `${u.path}/${extra}` }),
  trailingSlash: (u) => ({ ...u, path: `${u.path}/` }),
  dotSegment: (u) => ({ ...u, path: u.path.replace('/v1/', '/v1/./') }),
  slashAsEscape: (u) => ({ ...u, path: u.path.includes('%2F') ? u.path.replace('%2F', '/') : u.path.replace(/\/([^/]*)$/, '%2F$1') }),
  longerExpiry: (u, r) => ({ ...u, query: setParam(u.query, 'exp', String(Number(getParam(u.query, 'exp')) + 1 + (r % 10_000_000))) }),
  shorterExpiry: (u, r) => ({ ...u, query: setParam(u.query, 'exp', String(Math.max(0, Number(getParam(u.query, 'exp')) - 1 - (r % 1000)))) }),
  zeroPaddedExpiry: (u) => ({ ...u, query: setParam(u.query, 'exp', `0${getParam(u.query, 'exp')}`) }),
  otherKid: (u) => ({ ...u, query: setParam(u.query, 'kid', getParam(u.query, 'kid') === RING.current ? OLD.current : RING.current) }),
  foreignKid: (u) => ({ ...u, query: setParam(u.query, 'kid', OTHER_RING.current) }),
  flipSignature: (u, r) => ({ ...u, query: setParam(u.query, 'sig', flipSigBit(getParam(u.query, 'sig') ?? '', r)) }),
  // The last of 43 characters carries 2 spare bits: a second spelling of the same bytes must not pass.
  respellSignature: (u, r) => {
    const sig = getParam(u.query, 'sig') ?? '';
    const last = B64.indexOf(sig.slice(-1));
    const respelt = B64[(last & ~3) | ((last + 1 + (r % 3)) & 3)]!;
    return { ...u, query: setParam(u.query, 'sig', sig.slice(0, -1) + respelt) };
  },
  padSignature: (u, r) => ({ ...u, query: setParam(u.query, 'sig', `${getParam(u.query, 'sig')}${['=', '==', ' ', '.', 'A'][r % 5]}`) }),
  truncateSignature: (u, r) => {
    const sig = getParam(u.query, 'sig') ?? '';
    return { ...u, query: setParam(u.query, 'sig', sig.slice(0, r % Math.max(1, sig.length))) };
  },
  base64Signature: (u) => ({ ...u, query: setParam(u.query, 'sig', Buffer.from(getParam(u.query, 'sig') ?? '', 'base64url').toString('base64')) }),
  transplantSignature: (u, _r, extra) => {
    const other = signPath(downloadPath({ kind: 'blob', cid: CIDS[extra.length % 2]! }), [], { ring: RING, now: NOW });
    return { ...u, query: setParam(u.query, 'sig', getParam(other.query, 'sig')!) };
  },
  dropParam: (u, r) => {
    const names = [...new URLSearchParams(u.query).keys()];
    if (names.length === 0) return u;
    return { ...u, query: setParam(u.query, names[r % names.length]!, null) };
  },
  addParam: (u, r, extra) => ({ ...u, query: `${u.query}&${['x', 'slice', 'format', 'exp', 'kid', 'sig', 'Slice', 'slice '][r % 8]}=${enc(extra)}` }),
  repeatParam: (u, r) => {
    const pairs = [...new URLSearchParams(u.query)];
    if (pairs.length === 0) return u;
    const [name, value] = pairs[r % pairs.length]!;
    return { ...u, query: `${u.query}&${enc(name)}=${enc(value)}` };
  },
  changeSlice: (u, _r, extra) => ({ ...u, query: setParam(u.query, 'slice', `${getParam(u.query, 'slice') ?? ''}${extra || '0'}`) }),
  changeFormat: (u) => ({ ...u, query: setParam(u.query, 'format', getParam(u.query, 'format') === 'npy' ? 'raw' : 'npy') }),
  moveQueryIntoPath: (u) => ({ path: `${u.path}%3F${u.query.split('&')[0]}`, query: u.query.split('&').slice(1).join('&') }),
  replaceChar: (u, r, extra) => {
    const url = `${u.path}?${u.query}`;
    const i = r % url.length;
    return split(url.slice(0, i) + (extra[0] ?? '%') + url.slice(i + 1));
  },
  insertChars: (u, r, extra) => {
    const url = `${u.path}?${u.query}`;
    const i = r % (url.length + 1);
    return split(url.slice(0, i) + extra + url.slice(i));
  },
  deleteChars: (u, r) => {
    const url = `${u.path}?${u.query}`;
    const i = r % url.length;
    return split(url.slice(0, i) + url.slice(i + 1 + (r % 3)));
  },
  truncate: (u, r) => {
    const url = `${u.path}?${u.query}`;
    return split(url.slice(0, r % url.length));
  },
  swapCase: (u, r) => {
    const url = `${u.path}?${u.query}`;
    const i = r % url.length;
    const c = url[i]!;
    if (c.toUpperCase() === c.toLowerCase()) return split(`${url}X`);
    const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    return split(url.slice(0, i) + swapped + url.slice(i + 1));
  },
};

const extraArb = fc.oneof(
  fc.constantFrom('', '%', '%2', '%zz', '%00', '%2F', '/', '..', '?', '&', '=', '#', '+', ' ', '%20', '~', '%7E', '\u00e9', '\ud800', 'A', 'a'),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
);
const mutationArb = fc.array(fc.tuple(fc.constantFrom(...Object.keys(MUTATIONS)), fc.nat(), extraArb), { minLength: 1, maxLength: 3 });

const seen = new Map<string, { tries: number; accepted: number }>();

test(`${RUNS.mutants * SCALE} mutated links: a typed result, never a throw, accepted only when the same request`, () => {
  fc.assert(
    fc.property(linkArb, mutationArb, (link, mutations) => {
      let url: Url = { path: link.path, query: link.query };
      for (const [name, r, extra] of mutations) url = MUTATIONS[name]!(url, r, extra);
      const result = verify(url.path, url.query);
      const same = meaning(url.path, url.query) === meaning(link.path, link.query);
      // Per-attack counts are kept for single mutations: two in a row may undo each other (another CID and back).
      const key = mutations.length === 1 ? mutations[0]![0] : 'combined';
      const stats = seen.get(key) ?? { tries: 0, accepted: 0 };
      stats.tries++;
      if (result.ok) {
        stats.accepted++;
        assert.ok(same, `accepted a tampered link: ${url.path}?${url.query}\n  signed: ${link.path}?${link.query}`);
        assert.is(result.kid, link.kid);
        assert.is(result.expiresAt, link.expiresAt);
      } else {
        // The same request, spelt another way, is still the signed one (the encodings that keep meaning are equal).
        assert.not.ok(same, `refused an equivalent link (${result.reason}): ${url.path}?${url.query}`);
      }
      seen.set(key, stats);
    }),
    { numRuns: RUNS.mutants * SCALE },
  );
  // Each attack was tried a fair number of times; the ones that cannot keep meaning were never accepted.
  for (const name of Object.keys(MUTATIONS)) assert.ok((seen.get(name)?.tries ?? 0) > 50 / SCALE, `${name} tried`);
  for (const name of ['otherCid', 'otherKid', 'foreignKid', 'flipSignature', 'respellSignature', 'transplantSignature', 'longerExpiry', 'repeatParam', 'changeFormat', 'trailingSlash']) {
    assert.is(seen.get(name)!.accepted, 0, `${name} never accepted`);
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Equivalent spellings: accepted

/** The n-th unit of `text` (an escape `%XX` or one character) respelt: an escape's hex case flipped, a plain
 * character percent-encoded (UTF-8). Delimiters are left alone: encoding them would change the meaning. */
function respellAt(text: string, n: number): string {
  const units = text.match(/%[0-9A-Fa-f]{2}|[\s\S]/gu) ?? [];
  if (units.length === 0) return text;
  const i = n % units.length;
  const unit = units[i]!;
  if (unit.length === 3 && unit[0] === '%') units[i] = unit === unit.toUpperCase() ? unit.toLowerCase() : unit.toUpperCase();
  else if (!'%&=/?+#'.includes(unit)) units[i] = [...Buffer.from(unit)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  return units.join('');
}

const EQUIVALENTS: Record<string, (u: Url, r: number) => Url> = {
  encodePathChar: (u, r) => {
    const from = u.path.indexOf('/', 4) + 1; // past /v1/
    return { ...u, path: u.path.slice(0, from) + respellAt(u.path.slice(from), r) };
  },
  encodeQueryChar: (u, r) => ({ ...u, query: respellAt(u.query, r) }),
  reorderParams: (u, r) => {
    const pairs = u.query.split('&');
    const k = r % pairs.length;
    return { ...u, query: [...pairs.slice(k), ...pairs.slice(0, k)].join('&') };
  },
  spaceAsPlus: (u) => ({ ...u, query: u.query.replace(/%20/g, '+') }),
  encodeNames: (u) => ({ ...u, query: u.query.replace(/(^|&)(exp|kid|sig)=/g, (_m, a: string, n: string) => `${a}%${n.charCodeAt(0).toString(16)}${n.slice(1)}=`) }),
};

test(`${RUNS.equivalents * SCALE} equivalent spellings of live links are all accepted`, () => {
  fc.assert(
    fc.property(linkArb, fc.array(fc.tuple(fc.constantFrom(...Object.keys(EQUIVALENTS)), fc.nat()), { minLength: 1, maxLength: 4 }), (link, edits) => {
      let url: Url = { path: link.path, query: link.query };
      for (const [name, r] of edits) url = EQUIVALENTS[name]!(url, r);
      assert.is(meaning(url.path, url.query), meaning(link.path, link.query), 'the edits keep meaning');
      const result = verify(url.path, url.query);
      assert.ok(result.ok, `refused an equivalent spelling: ${url.path}?${url.query} (${JSON.stringify(result)})`);
    }),
    { numRuns: RUNS.equivalents * SCALE },
  );
});

test(`expiry: ${RUNS.expiry * SCALE} links judged at random times: valid up to exp + ${DEFAULT_CLOCK_SKEW} s, never longer than 7 days ahead`, () => {
  fc.assert(
    fc.property(linkArb, fc.integer({ min: -MAX_EXPIRES_IN - 1000, max: 2 * MAX_EXPIRES_IN }), (link, offset) => {
      const now = NOW + offset;
      const result = verify(link.path, link.query, now);
      const live = now <= link.expiresAt + DEFAULT_CLOCK_SKEW;
      const tooFar = link.expiresAt > now + MAX_EXPIRES_IN + DEFAULT_CLOCK_SKEW;
      if (live && !tooFar) assert.ok(result.ok, `now=${now} exp=${link.expiresAt}`);
      else assert.equal(result, { ok: false, reason: live ? 'malformed' : 'expired' });
    }),
    { numRuns: RUNS.expiry * SCALE },
  );
});

test('a link verified against a ring without its key is an unknown key, whatever else is wrong with it', () => {
  fc.assert(
    fc.property(linkArb, (link) => {
      assert.equal(verify(link.path, link.query, NOW, OTHER_RING), { ok: false, reason: 'unknown key' });
    }),
    { numRuns: 500 },
  );
});

test.run();
