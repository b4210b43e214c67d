// The token table of a store: <store>/tokens.db (SQLite, mode 0600, beside the index), one row per token with its
// SHA-256 digest (never the secret), id, name, scope, created, expires and last used.
//
// Lookup is a Map keyed by the digest (lookup below), so no comparison runs over a secret (see tokens.ts). A
// running server sees another process's changes (`ipfrs token create|revoke`) through SQLite's data_version,
// checked at most every RELOAD_CHECK_MS when a token is looked up; expiry is checked on every lookup.
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as DB, Statement } from 'better-sqlite3';
import { isScope, type Scope } from './scopes.ts';
import { bootstrapAdmin, generateToken, hashToken, TOKEN_NAME, TokenError, type TokenInfo, type TokenLookup, type TokenTable } from './tokens.ts';

export const TOKENS_FILE = 'tokens.db';
const RELOAD_CHECK_MS = 200;
/** last_used is written at most this often per token: a busy token must not turn every request into a write. */
const LAST_USED_EVERY_MS = 10_000;

interface Row {
  id: string;
  name: string;
  scope: string;
  hash: string;
  created: number;
  expires: number | null;
  last_used: number | null;
}

export class TokenStore implements TokenTable {
  private readonly db: DB;
  private readonly byHash = new Map<string, TokenInfo>();
  private readonly extra = new Map<string, TokenInfo>();
  private readonly written = new Map<string, number>();
  private version = -1;
  private checkedAt = 0;
  private readonly dataVersion: Statement;
  private readonly touch: Statement;
  private closed = false;

  private constructor(
    path: string,
    private readonly now: () => number,
  ) {
    // Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
    mkdirSync(dirname(path), { recursive: true });
    closeSync(openSync(path, 'a', 0o600));
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(`CREATE TABLE IF NOT EXISTS tokens (
      id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, scope TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
      created INTEGER NOT NULL, expires INTEGER, last_used INTEGER)`);
    this.dataVersion = this.db.prepare('PRAGMA data_version').pluck();
    this.touch = this.db.prepare('UPDATE tokens SET last_used = ? WHERE id = ?');
  }

  /** Opens (creating) the token table of the store at `root`; `bootstrap` adds the admin-token's secret. */
  static open(root: string, options: { bootstrap?: string; now?: () => number } = {}): TokenStore {
    const store = new TokenStore(join(root, TOKENS_FILE), options.now ?? Date.now);
    if (options.bootstrap) {
      const { secret, info } = bootstrapAdmin(options.bootstrap);
      store.extra.set(hashToken(secret), info);
    }
    return store;
  }

  lookup(secret: string): TokenLookup {
    const now = this.now();
    if (now - this.checkedAt >= RELOAD_CHECK_MS) this.reloadIfChanged(now);
    const hash = hashToken(secret);
    const token = this.byHash.get(hash) ?? this.extra.get(hash);
    if (token === undefined) return { status: 'unknown' };
    if (token.expires !== null && token.expires <= now) return { status: 'expired', token };
    if (!this.extra.has(hash) && now - (this.written.get(token.id) ?? 0) >= LAST_USED_EVERY_MS) {
      this.written.set(token.id, now);
      token.lastUsed = now;
      try {
        this.touch.run(now, token.id);
      } catch {
        // Busy (the CLI is writing): last used is a hint, the next use writes it.
      }
    }
    return { status: 'valid', token };
  }

  /** Creates a token; returns its secret (shown once) and what is kept of it. */
  create(options: { scope: Scope; name?: string | null; expiresIn?: number | null }): { secret: string; token: TokenInfo } {
    if (!isScope(options.scope)) throw new TokenError('INVALID_ARGUMENT', `scope must be read, write or admin, not ${JSON.stringify(options.scope)}`);
    const expiresIn = options.expiresIn ?? null;
    if (expiresIn !== null && !(Number.isSafeInteger(expiresIn) && expiresIn > 0)) {
      throw new TokenError('INVALID_ARGUMENT', `expiresIn must be a whole number of seconds above 0, not ${expiresIn}`);
    }
    const id = randomBytes(8).toString('hex');
    const name = options.name ?? `token-${id.slice(0, 8)}`;
    if (!TOKEN_NAME.test(name) || name === 'admin-token') {
      throw new TokenError('INVALID_ARGUMENT', `name must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), and not admin-token: ${JSON.stringify(name.slice(0, 80))}`);
    }
    const secret = generateToken();
    const created = this.now();
    const token: TokenInfo = { id, name, scope: options.scope, created, expires: expiresIn === null ? null : created + expiresIn * 1000, lastUsed: null };
    try {
      this.db
        .prepare('INSERT INTO tokens (id, name, scope, hash, created, expires, last_used) VALUES (?, ?, ?, ?, ?, ?, NULL)')
        .run(id, name, token.scope, hashToken(secret), created, token.expires);
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) throw new TokenError('CONFLICT', `a token named ${name} already exists`);
      throw error;
    }
    this.reloadIfChanged(created, true);
    return { secret, token: { ...token } };
  }

  /** Every token, oldest first; never a secret or a digest. */
  list(): TokenInfo[] {
    return (this.db.prepare('SELECT * FROM tokens ORDER BY created, id').all() as Row[]).flatMap((row) => {
      const info = infoOf(row);
      return info ? [info] : [];
    });
  }

  /** Revokes by id, else by name; the revoked token, or TokenError NOT_FOUND. */
  revoke(idOrName: string): TokenInfo {
    const row = this.db.prepare('SELECT * FROM tokens WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(idOrName, idOrName, idOrName) as Row | undefined;
    const info = row && infoOf(row);
    if (!row || !info) throw new TokenError('NOT_FOUND', `no token with id or name ${JSON.stringify(idOrName.slice(0, 80))}`);
    this.db.prepare('DELETE FROM tokens WHERE id = ?').run(row.id);
    this.reloadIfChanged(this.now(), true);
    return info;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private reloadIfChanged(now: number, force = false): void {
    this.checkedAt = now;
    const version = this.dataVersion.get() as number;
    if (!force && version === this.version) return;
    this.version = version;
    this.byHash.clear();
    for (const row of this.db.prepare('SELECT * FROM tokens').all() as Row[]) {
      const info = infoOf(row);
      if (info) this.byHash.set(row.hash, info);
    }
  }
}

function infoOf(row: Row): TokenInfo | null {
  // A row with a scope this version does not know grants nothing (rather than something).
  if (!isScope(row.scope)) return null;
  return { id: row.id, name: row.name, scope: row.scope, created: row.created, expires: row.expires, lastUsed: row.last_used };
}
