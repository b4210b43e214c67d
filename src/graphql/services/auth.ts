// Bearer tokens -> scopes. Reads are open; `write` adds files; `admin` changes the cache and deletes (and implies
// write). Tokens are compared in constant time: each candidate is hashed to a fixed length first, so neither the
// position of the first differing byte nor the length of the configured token shows in the timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthPort, RequestAuth, Scope } from './ports.ts';

export const SCOPES: readonly Scope[] = ['write', 'admin'];

export interface TokenGrant {
  token: string;
  scopes: readonly Scope[];
}

/** An AuthPort over a fixed list of tokens. Every grant is compared on every call (no early exit). */
export function tokenVerifier(grants: readonly TokenGrant[]): AuthPort {
  const digests = grants.map((g) => ({ digest: sha256(g.token), scopes: [...g.scopes] }));
  return {
    scopesForToken(token) {
      const candidate = sha256(token);
      let found: Scope[] | null = null;
      for (const entry of digests) {
        if (timingSafeEqual(entry.digest, candidate) && found === null) found = entry.scopes;
      }
      return found;
    },
  };
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;
/** A token longer than this is refused before hashing: no one configures a 4 KiB token. */
const MAX_TOKEN_LENGTH = 4096;

/** Reads `Authorization: Bearer <token>`; admin implies write. */
export function authenticate(authorization: string | null, port: AuthPort): RequestAuth {
  if (authorization === null || authorization.trim() === '') return { scopes: new Set(), token: 'none' };
  const match = BEARER.exec(authorization);
  if (!match || match[1]!.length > MAX_TOKEN_LENGTH) return { scopes: new Set(), token: 'malformed' };
  const granted = port.scopesForToken(match[1]!);
  if (granted === null) return { scopes: new Set(), token: 'unknown' };
  const scopes = new Set<Scope>(granted.filter((s) => SCOPES.includes(s)));
  if (scopes.has('admin')) scopes.add('write');
  return { scopes, token: 'valid' };
}

/** Why a request lacks `scope`, in words a client can act on. */
export function refusal(auth: RequestAuth, scope: Scope, field: string): { message: string; code: 'FORBIDDEN' | 'UNAUTHENTICATED' } {
  const how = `send "Authorization: Bearer <token>" with a token that has the ${scope} scope`;
  switch (auth.token) {
    case 'none':
      return { code: 'UNAUTHENTICATED', message: `${field} needs the ${scope} scope: ${how}` };
    case 'malformed':
      return { code: 'UNAUTHENTICATED', message: `${field} needs the ${scope} scope, and the Authorization header is not "Bearer <token>": ${how}` };
    case 'unknown':
      return { code: 'UNAUTHENTICATED', message: `${field} needs the ${scope} scope, and the bearer token is not one this server knows` };
    case 'valid':
      return { code: 'FORBIDDEN', message: `${field} needs the ${scope} scope, which this token does not have` };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
