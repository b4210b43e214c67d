// Secrets are compared in constant time. No timing is measured (that would be flaky and prove little); instead:
// - a contract test: crypto.timingSafeEqual is replaced by a recording stand-in, and we check that every check of a
//   link signature or a bearer token makes the same calls (same count, same fixed lengths) whatever the candidate,
//   and that the answer is decided by timingSafeEqual: when it says "different", even the genuine secret is refused;
// - a code-level assertion: no source file compares a token, signature or key with ===, .equals or Buffer.compare.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tokenVerifier } from '../../src/graphql/services/auth.ts';
import { newKeyRing, signPath, verifyRequest } from '../../src/http/sign.ts';
import { REPO } from '../../src/devkit/paths.ts';

type Call = [number, number];
const realTimingSafeEqual = crypto.timingSafeEqual;

/** Runs `fn` with timingSafeEqual recorded (and optionally overruled); returns the calls' argument lengths. */
function recording<T>(fn: () => T, overrule?: boolean): { result: T; calls: Call[] } {
  const calls: Call[] = [];
  (crypto as { timingSafeEqual: typeof realTimingSafeEqual }).timingSafeEqual = (a, b) => {
    calls.push([a.byteLength, b.byteLength]);
    const real = realTimingSafeEqual(a, b);
    return overrule ?? real;
  };
  // ES modules bind `import { timingSafeEqual }` to the builtin's exports: make them see the stand-in too.
  syncBuiltinESMExports();
  try {
    return { result: fn(), calls };
  } finally {
    (crypto as { timingSafeEqual: typeof realTimingSafeEqual }).timingSafeEqual = realTimingSafeEqual;
    syncBuiltinESMExports();
  }
}

const ring = newKeyRing();
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const link = signPath(`/v1/blob/${CID}`, [], { ring });
const path = link.url.slice(0, link.url.indexOf('?'));
const genuine = new URLSearchParams(link.query).get('sig')!;
const withSig = (sig: string) => {
  const params = new URLSearchParams(link.query);
  params.set('sig', sig);
  return params;
};

test('the stand-in is really called by the code under test', () => {
  const { result, calls } = recording(() => verifyRequest(path, withSig(genuine), { ring }));
  assert.ok(result.ok);
  assert.equal(calls, [[32, 32]]);
});

test('link signatures: one 32-byte comparison whatever the candidate, and it decides', () => {
  const candidates = [
    genuine,
    // differs in the last character, still well formed: a 32-byte MAC's last character carries 4 bits and 2 zero
    // bits, so 'A' and 'E' are both canonical spellings ('B' after an 'A' would decode to the same bytes)
    `${genuine.slice(0, -1)}${genuine.endsWith('A') ? 'E' : 'A'}`,
    `${genuine[0] === 'A' ? 'B' : 'A'}${genuine.slice(1)}`, // differs in the first
    genuine.slice(0, 10), // short
    `${genuine}${genuine}`, // long
    '', // empty
    '!!!not base64!!!',
    `${genuine}=`, // padded
    Buffer.from(genuine, 'base64url').toString('base64'), // standard base64 spelling
  ];
  for (const sig of candidates) {
    const { result, calls } = recording(() => verifyRequest(path, withSig(sig), { ring }));
    assert.equal(calls, [[32, 32]], `one fixed-length comparison for ${JSON.stringify(sig)}`);
    assert.is(result.ok, sig === genuine, sig);
  }
  // timingSafeEqual decides: told "different", the genuine signature is refused; told "equal", a forged one that
  // is well formed would pass, so nothing else (an === on the side) takes part in the decision.
  assert.equal(recording(() => verifyRequest(path, withSig(genuine), { ring }), false).result, { ok: false, reason: 'bad signature' });
  assert.ok(recording(() => verifyRequest(path, withSig(candidates[1]!), { ring }), true).result.ok);
  // ...but a badly spelt signature is refused even then: well-formedness depends on the text alone, not the key.
  assert.not.ok(recording(() => verifyRequest(path, withSig(`${genuine}=`), { ring }), true).result.ok);
});

test('bearer tokens: looked up by their SHA-256 digest in a Map, never compared byte by byte', () => {
  // src/auth/tokens.ts: the presented token is hashed and the digest is a Map key, so there is no comparison over
  // the secret whose timing could show how long a prefix a guess shares with a real token.
  const grants = [
    { token: 'ipfrs_admin_0123456789abcdef0123456789', scopes: ['admin' as const] },
    { token: 'w', scopes: ['write' as const] },
    { token: 'ipfrs_other_token', scopes: ['write' as const] },
  ];
  const port = tokenVerifier(grants);
  const candidates = ['ipfrs_admin_0123456789abcdef0123456789', 'ipfrs_admin_0123456789abcdef012345678X', 'ipfrs_admin', 'w', 'x', 'a'.repeat(4096)];
  for (const token of candidates) {
    const { result, calls } = recording(() => port.authenticate(`Bearer ${token}`));
    assert.equal(calls, [], `no comparison for ${JSON.stringify(token.slice(0, 20))}`);
    const expected = grants.find((g) => g.token === token);
    assert.is(result.token, expected ? 'valid' : 'unknown');
    if (expected) assert.ok(result.scopes.has(expected.scopes[0]!));
  }
  const lookup = readFileSync(join(REPO, 'src/auth/token-store.ts'), 'utf8');
  assert.match(lookup, /this\.byHash\.get\(hash\)/, 'TokenStore.lookup goes through the Map keyed by digest');
});

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'client') out.push(...sources(path));
    } else if (/\.(ts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

test('code: no source compares a secret with ===, !==, .equals or Buffer.compare', () => {
  // A secret-looking identifier (token, sig, signature, secret, digest, mac, hmac, key bytes) on either side of an
  // equality, or any .equals / Buffer.compare on such a value. Lines that compare a secret's *kind* or presence
  // (=== null, === undefined, === 'none', typeof) are not comparisons of its bytes.
  // (`sig` only as a word end: `expectedSig`, `sigs`, `signature`, not `signed` or `signPath`.)
  const secret = String.raw`\b\w*(?:[tT]oken\w*|[sS]ig(?:s|nature|natures)?|[sS]ecret\w*|[dD]igest\w*|[mM]ac|[hH]mac\w*|[aA]uthorization\w*|keyBytes)\b`;
  const equality = new RegExp(
    [
      String.raw`${secret}(?:\.\w+)*\s*[!=]==?\s*(?!null\b|undefined\b|'|"|\d|true\b|false\b)[\w.\x60]`, // secret === x
      String.raw`[!=]==?\s*(?:[\w$]+\.)*${secret}(?!\.length|\s*\()`, // x === obj.secret
      String.raw`[!=]==?\s*\x60[^\x60]*\$\{[^}]*${secret}`, // x === `Bearer ${token}`
    ].join('|'),
  );
  const method = new RegExp(String.raw`${secret}\.equals\(|Buffer\.compare\([^)]*${secret}|\.equals\(\s*(?:[\w$]+\.)*${secret}`);
  // The patterns catch what they are meant to (so an empty list below means something).
  for (const good of ['if (signed !== null && keys.get(signed.kid) === signed.key)', 'if (sigs.length === 0) return']) {
    assert.not.ok(equality.test(good) || method.test(good), good);
  }
  for (const bad of ['if (token === expected)', 'sig !== expectedSig', 'a.equals(digest)', 'Buffer.compare(mac, x)', 'authorization === `Bearer ${adminToken}`', 'given === options.ring.sig']) {
    assert.ok(equality.test(bad) || method.test(bad), bad);
  }
  const offenders: string[] = [];
  for (const file of sources(join(REPO, 'src'))) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/typeof\s/.test(code)) return;
        if (equality.test(code) || method.test(code)) offenders.push(`${file.slice(REPO.length + 1)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.equal(offenders, [], offenders.join('\n'));
  // And the one place that compares a secret (a link's signature) uses timingSafeEqual; tokens are looked up by
  // digest (the test above).
  assert.match(readFileSync(join(REPO, 'src/http/sign.ts'), 'utf8'), /timingSafeEqual\(candidate, expected\)/);
});

test.run();
