// Secrets kept in the store folder, readable by its owner only (0600): link-signing keys and the admin token.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredKeyRing {
  /** The kid new links are signed with. */
  current: string;
  /** kid -> key bytes, hex. Older kids stay until an operator removes them, so old links keep working. */
  keys: Record<string, string>;
}

export const KEYS_FILE = 'signing-keys.json';
export const ADMIN_TOKEN_FILE = 'admin-token';

export function newKid(): string {
  return randomBytes(6).toString('base64url');
}

/** Reads the key ring, creating one with a fresh 256-bit key on first start. */
export function loadOrCreateKeyRing(root: string): { ring: StoredKeyRing; created: boolean } {
  const path = join(root, KEYS_FILE);
  const existing = readSecret(path);
  if (existing !== null) {
    const ring = JSON.parse(existing) as StoredKeyRing;
    if (!ring.keys?.[ring.current]) throw new Error(`${path}: the current kid ${ring.current} has no key`);
    return { ring, created: false };
  }
  const kid = newKid();
  const ring: StoredKeyRing = { current: kid, keys: { [kid]: randomBytes(32).toString('hex') } };
  return writeSecretOnce(path, `${JSON.stringify(ring, null, 2)}\n`) ? { ring, created: true } : loadOrCreateKeyRing(root);
}

/** Adds a new key and makes it current; the old ones stay valid until removed. */
export function rotateKeyRing(root: string): StoredKeyRing {
  const { ring } = loadOrCreateKeyRing(root);
  const kid = newKid();
  const next: StoredKeyRing = { current: kid, keys: { ...ring.keys, [kid]: randomBytes(32).toString('hex') } };
  const path = join(root, KEYS_FILE);
  writeFileSync(`${path}.new`, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600, flush: true });
  renameSync(`${path}.new`, path);
  return next;
}

export function loadOrCreateAdminToken(root: string): { token: string; created: boolean } {
  const path = join(root, ADMIN_TOKEN_FILE);
  const existing = readSecret(path);
  if (existing !== null) return { token: existing.trim(), created: false };
  const token = `ipfrs_${randomBytes(24).toString('base64url')}`;
  return writeSecretOnce(path, `${token}\n`) ? { token, created: true } : loadOrCreateAdminToken(root);
}

function readSecret(path: string): string | null {
  try {
    const mode = statSync(path).mode & 0o777;
    // Tighten a secret someone loosened by hand, rather than serving with a world-readable key.
    if (mode !== 0o600) chmodSync(path, 0o600);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Exclusive create: two servers starting at once agree on one secret. Returns false if it already existed. */
function writeSecretOnce(path: string, text: string): boolean {
  try {
    writeFileSync(path, text, { mode: 0o600, flag: 'wx', flush: true });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}
