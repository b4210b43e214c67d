// Signed, expiring download links: HMAC-SHA256 over a canonical string, a key ring for rotation. Pure apart from
// randomness for new keys; saving the ring (mode 0600) is the store's job (src/store/secrets.ts), and the JSON
// form here is the same as the one it writes: { "current": kid, "keys": { kid: hex } }.
//
// canonical = "v1\n" + path + "\n" + params, where
// - path is the request path, each '/'-separated segment percent-decoded then re-encoded with encodeURIComponent,
//   so `%7e`, `%7E` and `~` (or `%41` and `A`) sign the same. A `%2F` stays distinct from `/`: it is another path.
// - params are every query parameter except `sig` (so `exp` and `kid` are signed too), each name and value decoded
//   as URLSearchParams decodes them (`+` is a space) then encoded with encodeURIComponent, sorted by encoded name
//   (code unit order), joined as `k=v` with `&`. Clients that re-encode the query differently still verify.
//   A repeated parameter name is refused ('malformed'): sorting would let `slice=a&slice=b` and `slice=b&slice=a`
//   share a signature while the route reads the first of them.
// sig = base64url(HMAC-SHA256(key[kid], canonical)), without padding.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface KeyRing {
  /** The kid new links are signed with. */
  readonly current: string;
  /** kid -> secret key. Old kids stay while links signed with them should keep working. */
  readonly keys: ReadonlyMap<string, Buffer>;
}

/** The JSON form of a key ring, as src/store/secrets.ts keeps it on disk. */
export interface KeyRingJSON {
  current: string;
  keys: Record<string, string>;
}

export type VerifyFailure = 'missing signature' | 'unknown key' | 'bad signature' | 'expired' | 'malformed';
export type VerifyResult = { ok: true; kid: string; expiresAt: number } | { ok: false; reason: VerifyFailure };

export const CANONICAL_VERSION = 'v1';
/** 15 minutes. */
export const DEFAULT_EXPIRES_IN = 900;
/** 7 days. */
export const MAX_EXPIRES_IN = 7 * 24 * 3600;
/**
 * Links are accepted up to this many seconds past `exp`, so a link signed on one machine still works on another
 * whose clock runs a little ahead (`ipfrs serve --clock-skew`). It also bounds how far ahead `exp` may be
 * (MAX_EXPIRES_IN plus this). A link that expires sooner than this still serves for up to this long past its `exp`.
 */
export const DEFAULT_CLOCK_SKEW = 30;
export const KEY_BYTES = 32;
/** Shorter keys are refused when a ring is loaded: HMAC-SHA256 wants at least 128 bits. */
export const MIN_KEY_BYTES = 16;

const RESERVED = new Set(['exp', 'kid', 'sig']);
const KID = /^[A-Za-z0-9_-]{1,64}$/;
const EXP = /^[0-9]{1,15}$/;
const SIG_BYTES = 32;

export function canonicalString(path: string, params: Iterable<[string, string]>): string {
  return `${CANONICAL_VERSION}\n${canonicalPath(path)}\n${canonicalQuery(params)}`;
}

/** The parameters other than `sig`, encoded and sorted as described above. */
export function canonicalQuery(params: Iterable<[string, string]>): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of params) {
    if (name === 'sig') continue;
    pairs.push([encodeURIComponent(name), encodeURIComponent(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Each segment decoded and re-encoded; throws URIError on a malformed escape (verifyRequest says 'malformed'). */
export function canonicalPath(path: string): string {
  if (!path.startsWith('/')) throw new URIError(`path must start with '/': ${JSON.stringify(path.slice(0, 100))}`);
  return path
    .split('/')
    .map((segment) => encodeURIComponent(decodeURIComponent(segment)))
    .join('/');
}

export function signature(key: Uint8Array, canonical: string): string {
  return createHmac('sha256', key).update(canonical, 'utf8').digest('base64url');
}

export interface SignOptions {
  ring: KeyRing;
  /** Seconds from now; default 900 (15 min), at most 604800 (7 days). */
  expiresIn?: number;
  /** Unix seconds; default the clock. */
  now?: number;
}

export interface SignedLink {
  /** The whole query string without '?', `sig` last: the other parameters, `exp` and `kid` in canonical order. */
  query: string;
  /** path + '?' + query, the path in its canonical spelling. */
  url: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * Signs `path` with `params` (e.g. { slice, format }) for `expiresIn` seconds with the ring's current key.
 * Throws RangeError for an expiry out of range, and TypeError for a reserved or repeated parameter name
 * (exp, kid, sig) or a path or value that cannot be encoded (a malformed escape, a lone surrogate).
 */
export function signPath(path: string, params: Record<string, string> | Iterable<[string, string]>, options: SignOptions): SignedLink {
  const expiresIn = options.expiresIn ?? DEFAULT_EXPIRES_IN;
  if (!Number.isInteger(expiresIn) || expiresIn < 1) throw new RangeError(`expiresIn must be a whole number of seconds >= 1, got ${expiresIn}`);
  if (expiresIn > MAX_EXPIRES_IN) {
    throw new RangeError(`expiresIn ${expiresIn}s is longer than the maximum of 7 days (${MAX_EXPIRES_IN}s)`);
  }
  const key = options.ring.keys.get(options.ring.current);
  if (!key) throw new TypeError(`the key ring has no key for its current kid ${options.ring.current}`);
  const entries = Symbol.iterator in params ? [...(params as Iterable<[string, string]>)] : Object.entries(params);
  const seen = new Set<string>();
  for (const [name] of entries) {
    if (RESERVED.has(name)) throw new TypeError(`'${name}' is set by signPath, not by the caller`);
    if (seen.has(name)) throw new TypeError(`parameter '${name}' is given twice`);
    seen.add(name);
  }
  const expiresAt = Math.floor(options.now ?? Date.now() / 1000) + expiresIn;
  const all: Array<[string, string]> = [...entries, ['exp', String(expiresAt)], ['kid', options.ring.current]];
  let signedPath: string;
  let signedQuery: string;
  try {
    signedPath = canonicalPath(path);
    signedQuery = canonicalQuery(all);
  } catch (error) {
    throw new TypeError(`cannot sign ${JSON.stringify(path.slice(0, 100))}: ${(error as Error).message} (a malformed escape or a lone surrogate)`);
  }
  const query = `${signedQuery}&sig=${signature(key, `${CANONICAL_VERSION}\n${signedPath}\n${signedQuery}`)}`;
  return { query, url: `${signedPath}?${query}`, expiresAt };
}

export interface VerifyOptions {
  ring: KeyRing;
  /** Unix seconds; default the clock. */
  now?: number;
  /** Seconds of tolerance past `exp` (and ahead of the 7-day bound); default DEFAULT_CLOCK_SKEW (30). */
  clockSkewSeconds?: number;
}

/**
 * Checks a request's path (as received, percent-encoded, without the query) and query. Never throws.
 * The signature is checked before the expiry, so 'expired' is only ever said of a genuine link.
 */
export function verifyRequest(path: string, searchParams: URLSearchParams, options: VerifyOptions): VerifyResult {
  const skew = options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW;
  const now = Math.floor(options.now ?? Date.now() / 1000);
  const sigs = searchParams.getAll('sig');
  if (sigs.length === 0) return { ok: false, reason: 'missing signature' };

  const names = new Set<string>();
  for (const [name] of searchParams) {
    if (names.has(name)) return { ok: false, reason: 'malformed' };
    names.add(name);
  }
  const exp = searchParams.get('exp');
  const kid = searchParams.get('kid');
  if (exp === null || kid === null || !EXP.test(exp) || !KID.test(kid)) return { ok: false, reason: 'malformed' };

  const key = options.ring.keys.get(kid);
  if (!key) return { ok: false, reason: 'unknown key' };

  let canonical: string;
  try {
    canonical = canonicalString(path, searchParams);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!sameMac(createHmac('sha256', key).update(canonical, 'utf8').digest(), sigs[0]!)) return { ok: false, reason: 'bad signature' };

  const expiresAt = Number(exp);
  if (now > expiresAt + skew) return { ok: false, reason: 'expired' };
  // Only a key holder makes a link this long-lived; refuse it rather than honour a signer's mistake for years.
  if (expiresAt > now + MAX_EXPIRES_IN + skew) return { ok: false, reason: 'malformed' };
  return { ok: true, kid, expiresAt };
}

/**
 * Constant-time: the comparison always runs over 32 bytes, whatever the given text is. Whether the text is well
 * formed is decided apart from the comparison and depends only on the text, not on the secret.
 */
function sameMac(expected: Buffer, given: string): boolean {
  const decoded = Buffer.from(given, 'base64url');
  // Exactly the encoder's spelling: no padding, no stray characters, no second spelling of the last character.
  const wellFormed = decoded.length === SIG_BYTES && decoded.toString('base64url') === given;
  const candidate = decoded.length === SIG_BYTES ? decoded : Buffer.alloc(SIG_BYTES);
  const equal = timingSafeEqual(candidate, expected);
  return equal && wellFormed;
}

/** A fresh 256-bit key and a short random kid (8 base64url characters). */
export function generateKey(): { kid: string; key: Buffer } {
  return { kid: randomBytes(6).toString('base64url'), key: randomBytes(KEY_BYTES) };
}

export function newKeyRing(): KeyRing {
  const { kid, key } = generateKey();
  return { current: kid, keys: new Map([[kid, key]]) };
}

/** A new ring whose current key is fresh; the old keys stay valid until removed with withoutKey. */
export function rotateKeyRing(ring: KeyRing): KeyRing {
  let fresh = generateKey();
  while (ring.keys.has(fresh.kid)) fresh = generateKey();
  return { current: fresh.kid, keys: new Map([...ring.keys, [fresh.kid, fresh.key]]) };
}

/** A ring without `kid`; links signed with it stop verifying ('unknown key'). The current key cannot be removed. */
export function withoutKey(ring: KeyRing, kid: string): KeyRing {
  if (kid === ring.current) throw new TypeError(`kid ${kid} is the current signing key; rotate first`);
  return { current: ring.current, keys: new Map([...ring.keys].filter(([k]) => k !== kid)) };
}

export function keyRingToJSON(ring: KeyRing): KeyRingJSON {
  const keys: Record<string, string> = {};
  for (const [kid, key] of ring.keys) keys[kid] = key.toString('hex');
  return { current: ring.current, keys };
}

/** Validates and converts the stored form; throws TypeError saying what is wrong (never echoing key bytes). */
export function keyRingFromJSON(json: unknown): KeyRing {
  if (typeof json !== 'object' || json === null) throw new TypeError('key ring: expected an object');
  const { current, keys } = json as { current?: unknown; keys?: unknown };
  if (typeof current !== 'string' || !KID.test(current)) throw new TypeError('key ring: "current" must be a kid (1-64 of A-Z a-z 0-9 _ -)');
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) throw new TypeError('key ring: "keys" must be an object of kid -> hex key');
  const map = new Map<string, Buffer>();
  for (const [kid, hex] of Object.entries(keys)) {
    if (!KID.test(kid)) throw new TypeError(`key ring: bad kid ${JSON.stringify(kid.slice(0, 64))}`);
    if (typeof hex !== 'string' || !/^(?:[0-9a-fA-F]{2})+$/.test(hex)) throw new TypeError(`key ring: key ${kid} is not hex`);
    if (hex.length / 2 < MIN_KEY_BYTES) throw new TypeError(`key ring: key ${kid} is shorter than ${MIN_KEY_BYTES} bytes`);
    map.set(kid, Buffer.from(hex, 'hex'));
  }
  if (!map.has(current)) throw new TypeError(`key ring: the current kid ${current} has no key`);
  return { current, keys: map };
}

export function serialiseKeyRing(ring: KeyRing): string {
  return `${JSON.stringify(keyRingToJSON(ring), null, 2)}\n`;
}

/** Throws TypeError for text that is not JSON or not a valid ring. */
export function parseKeyRing(text: string): KeyRing {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TypeError('key ring: not valid JSON');
  }
  return keyRingFromJSON(json);
}
