// Tokens (src/auth/tokens.ts) and the store's token table (src/auth/token-store.ts): the format, digests only on
// disk, expiry, revocation seen by another open table within a second.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TokenStore, TOKENS_FILE } from '../../src/auth/token-store.ts';
import { generateToken, hashToken, staticTokens } from '../../src/auth/tokens.ts';
import { tempDir } from '../../src/devkit/paths.ts';

test('a token is ipfrs_ + 32 random bytes in base64url; its digest is SHA-256 hex', () => {
  const a = generateToken();
  assert.match(a, /^ipfrs_[A-Za-z0-9_-]{43}$/);
  assert.is.not(generateToken(), a);
  assert.match(hashToken(a), /^[0-9a-f]{64}$/);
});

test('create, look up, list and revoke; nothing on disk holds a secret; the file is 0600', () => {
  const dir = tempDir();
  try {
    const tokens = TokenStore.open(dir.path);
    const { secret, token } = tokens.create({ scope: 'write', name: 'ci', expiresIn: 3600 });
    assert.is(token.scope, 'write');
    const found = tokens.lookup(secret);
    assert.is(found.status, 'valid');
    assert.is(found.status === 'valid' && found.token.id, token.id);
    assert.ok(found.status === 'valid' && found.token.lastUsed !== null, 'last used is noted');
    assert.is(tokens.lookup(`${secret}x`).status, 'unknown');
    assert.equal(tokens.list().map((t) => [t.name, t.scope]), [['ci', 'write']]);
    assert.ok(!JSON.stringify(tokens.list()).includes(secret));
    assert.throws(() => tokens.create({ scope: 'read', name: 'ci' }), /already exists/);
    assert.throws(() => tokens.create({ scope: 'root' as never }), /scope must be/);
    assert.throws(() => tokens.create({ scope: 'read', name: 'a b' }), /name must be/);
    assert.throws(() => tokens.create({ scope: 'read', expiresIn: 0 }), /expiresIn/);
    for (const name of readdirSync(dir.path)) {
      const bytes = readFileSync(join(dir.path, name));
      assert.not.ok(bytes.includes(Buffer.from(secret)), `${name} holds no secret`);
      assert.not.ok(bytes.includes(Buffer.from(secret.slice(6))), `${name} holds no part of it`);
    }
    assert.is(statSync(join(dir.path, TOKENS_FILE)).mode & 0o777, 0o600);
    assert.is(tokens.revoke('ci').id, token.id);
    assert.is(tokens.lookup(secret).status, 'unknown');
    assert.throws(() => tokens.revoke('ci'), /no token/);
    tokens.close();
    tokens.close();
  } finally {
    dir.cleanup();
  }
});

test('another process\'s create and revoke are seen within a second; expiry at once', async () => {
  const dir = tempDir();
  try {
    let now = Date.now();
    const server = TokenStore.open(dir.path, { now: () => now });
    const cli = TokenStore.open(dir.path);
    const { secret, token } = cli.create({ scope: 'read' });
    now += 250;
    assert.is(server.lookup(secret).status, 'valid');
    cli.revoke(token.id);
    now += 250;
    assert.is(server.lookup(secret).status, 'unknown');
    const short = cli.create({ scope: 'admin', expiresIn: 10 });
    now += 250;
    assert.is(server.lookup(short.secret).status, 'valid');
    now += 10_000;
    assert.is(server.lookup(short.secret).status, 'expired');
    server.close();
    cli.close();
  } finally {
    dir.cleanup();
  }
});

test('the bootstrap admin token is in the table, not in the file', () => {
  const dir = tempDir();
  try {
    const tokens = TokenStore.open(dir.path, { bootstrap: 'ipfrs_bootstrap_secret' });
    const found = tokens.lookup('ipfrs_bootstrap_secret');
    assert.is(found.status, 'valid');
    assert.is(found.status === 'valid' && found.token.scope, 'admin');
    assert.equal(tokens.list(), []);
    tokens.close();
  } finally {
    dir.cleanup();
  }
});

test('a static table: lookup by digest, expiry', () => {
  const table = staticTokens([{ secret: 's', info: { id: 'i', name: 'n', scope: 'read', created: 0, expires: 1, lastUsed: null } }]);
  assert.is(table.lookup('s').status, 'expired');
  assert.is(table.lookup('t').status, 'unknown');
});

test.run();
