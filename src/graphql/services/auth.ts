// GraphQL's side of the access model of src/auth: the scopes the schema asks for, refusals in its words, and an
// AuthPort over a fixed list of tokens (for tests and embedding; the server's port is src/auth over the store).
import { Access, refusalFor, type Principal } from '../../auth/access.ts';
import { highestScope, SCOPES as ALL_SCOPES, type Scope } from '../../auth/scopes.ts';
import { staticTokens } from '../../auth/tokens.ts';
import type { AuthPort, RequestAuth } from './ports.ts';

export type { Scope };
export const SCOPES: readonly Scope[] = ALL_SCOPES;

export interface TokenGrant {
  token: string;
  scopes: readonly Scope[];
}

/** An AuthPort over a fixed list of tokens, looked up by digest (src/auth/tokens.ts); the first listing wins. */
export function tokenVerifier(grants: readonly TokenGrant[]): AuthPort {
  const seen = new Set<string>();
  const entries = [];
  for (const [i, grant] of grants.entries()) {
    const scope = highestScope(grant.scopes) ?? 'read';
    if (seen.has(grant.token)) continue;
    seen.add(grant.token);
    entries.push({ secret: grant.token, info: { id: `grant-${i}`, name: `grant-${i}`, scope, created: 0, expires: null, lastUsed: null } });
  }
  const access = new Access({ tokens: staticTokens(entries) });
  return { authenticate: (authorization) => access.authenticate(authorization) };
}

/** Reads `Authorization: Bearer <token>` through the port. */
export function authenticate(authorization: string | null, port: AuthPort): RequestAuth {
  return port.authenticate(authorization);
}

/** Why a request lacks `scope`, in words a client can act on. */
export function refusal(auth: Pick<Principal, 'token'>, scope: Scope, field: string): { message: string; code: 'FORBIDDEN' | 'UNAUTHENTICATED' } {
  const { message, code } = refusalFor(auth, scope, field);
  return { message, code: code === 'FORBIDDEN' ? 'FORBIDDEN' : 'UNAUTHENTICATED' };
}
