// The store's secrets (src/store/secrets.ts): the signing key ring and the admin token, made once (exclusively,
// mode 0600), read back unchanged, a loosened mode tightened again; rotation keeps the old keys.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, KEYS_FILE, loadOrCreateAdminToken, loadOrCreateKeyRing, newKid, rotateKeyRing } from '../../src/store/secrets.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const mode = (path: string) => statSync(path).mode & 0o777;

function inTempStore(body: (root: string) => void): void {
  const dir = tempDir('ipfrs-secrets-');
  try {
    body(dir.path);
  } finally {
    dir.cleanup();
  }
}

test('key ring: made once with one 32-byte key, mode 0600; read back as it is', () => {
  inTempStore((root) => {
    const made = loadOrCreateKeyRing(root);
    assert.ok(made.created);
    assert.equal(Object.keys(made.ring.keys), [made.ring.current]);
    assert.match(made.ring.keys[made.ring.current]!, /^[0-9a-f]{64}$/);
    assert.is(mode(join(root, KEYS_FILE)), 0o600);
    const again = loadOrCreateKeyRing(root);
    assert.not.ok(again.created);
    assert.equal(again.ring, made.ring);
  });
});

test('rotation: a new current key, the old ones kept, still 0600', () => {
  inTempStore((root) => {
    const first = loadOrCreateKeyRing(root).ring;
    const second = rotateKeyRing(root);
    assert.is.not(second.current, first.current);
    assert.is(second.keys[first.current], first.keys[first.current]);
    assert.equal(loadOrCreateKeyRing(root).ring, second);
    assert.is(mode(join(root, KEYS_FILE)), 0o600);
  });
});

test('a ring whose current kid has no key is refused with the file named', () => {
  inTempStore((root) => {
    writeFileSync(join(root, KEYS_FILE), JSON.stringify({ current: 'k2', keys: { k1: 'aa' } }), { mode: 0o600 });
    assert.throws(() => loadOrCreateKeyRing(root), /signing-keys\.json: the current kid k2 has no key/);
  });
});

test('admin token: made once (ipfrs_ + base64url), 0600, read back trimmed; a loosened mode is tightened', () => {
  inTempStore((root) => {
    const made = loadOrCreateAdminToken(root);
    assert.ok(made.created);
    assert.match(made.token, /^ipfrs_[A-Za-z0-9_-]{32}$/);
    const path = join(root, ADMIN_TOKEN_FILE);
    assert.is(readFileSync(path, 'utf8'), `${made.token}\n`);
    assert.is(mode(path), 0o600);
    chmodSync(path, 0o644);
    assert.equal(loadOrCreateAdminToken(root), { token: made.token, created: false });
    assert.is(mode(path), 0o600, 'tightened back');
  });
});

test('newKid: short, URL-safe, different every time', () => {
  const kids = new Set(Array.from({ length: 50 }, newKid));
  assert.is(kids.size, 50);
  for (const kid of kids) assert.match(kid, /^[A-Za-z0-9_-]{4,32}$/);
});

test.run();
