// Bearer tokens: `ipfrs_` + 32 random bytes (base64url), kept only as SHA-256 digests (token-store.ts keeps them in
// the store). The secret is shown once, at creation; nothing stores, logs or lists it afterwards. Pure apart from
// randomness: the GraphQL schema imports this, and printing the schema loads no native addon.
//
// Lookup is by digest: the presented token is hashed and the digest is the key of a Map (staticTokens here,
// TokenStore.lookup in token-store.ts). No comparison ever runs over a secret byte by byte, so timing shows nothing
// about how close a guess was; a hash table compares digests, which give nothing back about their token.
import { createHash, randomBytes } from 'node:crypto';
import type { Scope } from './scopes.ts';

export const TOKEN_PREFIX = 'ipfrs_';
const TOKEN_BYTES = 32;
/** Token names: what `ipfrs token revoke NAME` and the logs use. */
export const TOKEN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What a token is, without its secret. Times are unix milliseconds. */
export interface TokenInfo {
  id: string;
  name: string;
  scope: Scope;
  created: number;
  expires: number | null;
  lastUsed: number | null;
}

/** The result of looking a presented token up. */
export type TokenLookup = { status: 'valid'; token: TokenInfo } | { status: 'unknown' } | { status: 'expired'; token: TokenInfo };

export interface TokenTable {
  lookup(secret: string): TokenLookup;
}

export class TokenError extends Error {
  override name = 'TokenError';
  constructor(
    readonly code: 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'CONFLICT',
    message: string,
  ) {
    super(message);
  }
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** The digest a token is kept and looked up as (hex). */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A fixed table (tests, and the bootstrap admin token): digest -> token. */
export function staticTokens(grants: readonly { secret: string; info: TokenInfo }[]): TokenTable {
  const byHash = new Map(grants.map((g) => [hashToken(g.secret), g.info] as const));
  return {
    lookup(secret) {
      const token = byHash.get(hashToken(secret));
      if (token === undefined) return { status: 'unknown' };
      return token.expires !== null && token.expires <= Date.now() ? { status: 'expired', token } : { status: 'valid', token };
    },
  };
}

/** The bootstrap admin token (<store>/admin-token) as a table entry. */
export function bootstrapAdmin(secret: string): { secret: string; info: TokenInfo } {
  return { secret, info: { id: 'admin-token', name: 'admin-token', scope: 'admin', created: 0, expires: null, lastUsed: null } };
}

