// The one access model every interface goes through (GraphQL, downloads, and later gRPC and the IPFS gateway):
// who is asking (a bearer token, else the peer address), whether they are over their rate, and whether the store's
// reads are private. Each interface turns a refusal into its own form (HTTP status and JSON, a GraphQL error, a
// gRPC status); the decisions and the words are made here.
import { RateLimiter, type RateDecision } from './rate-limit.ts';
import { impliedScopes, type Scope } from './scopes.ts';
import type { TokenTable } from './tokens.ts';

export type TokenState = 'none' | 'valid' | 'unknown' | 'malformed' | 'expired';

/** Who is asking. `id` and `name` are the token's (never its secret); null without a valid token. */
export interface Principal {
  token: TokenState;
  scopes: ReadonlySet<Scope>;
  id: string | null;
  name: string | null;
}

/** What an interface knows of a request. */
export interface AccessRequest {
  authorization?: string | null | undefined;
  /** The peer's address (socket.remoteAddress). */
  peer: string | null | undefined;
  /** X-Forwarded-For, read only when the server trusts its proxy. */
  forwardedFor?: string | null | undefined;
}

export type RefusalCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RATE_LIMITED';

export interface AccessRefusal {
  status: 401 | 403 | 429;
  code: RefusalCode;
  message: string;
  /** Headers the HTTP answer carries (Retry-After, RateLimit-Policy, RateLimit, WWW-Authenticate). */
  headers: Record<string, string>;
}

export type Admission = { ok: true; principal: Principal; headers: Record<string, string> | null } | ({ ok: false; principal: Principal } & AccessRefusal);

export interface AccessOptions {
  tokens: TokenTable;
  /** GraphQL reads, the gateway and downloads need a read token (downloads also take a signed link). */
  private?: boolean;
  /** Requests per second per client (burst twice that); null or 0: no limit. */
  rateLimit?: number | null;
  /** Take the client's address from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy?: boolean;
  /** For tests: the rate limiter's clock (seconds). */
  clock?: () => number;
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]+)[ \t]*$/i;
/** A token longer than this is refused before hashing: no one sends a 4 KiB token. */
const MAX_TOKEN_LENGTH = 4096;
const NO_SCOPES: ReadonlySet<Scope> = new Set();
const ANONYMOUS: Principal = Object.freeze({ token: 'none', scopes: NO_SCOPES, id: null, name: null });
const how = (scope: Scope) => `send "Authorization: Bearer <token>" with a token that has the ${scope} scope`;

export class Access {
  readonly private: boolean;
  readonly limiter: RateLimiter | null;
  private readonly tokens: TokenTable;
  private readonly trustProxy: boolean;
  private readonly scopeSets = new Map<Scope, ReadonlySet<Scope>>();

  constructor(options: AccessOptions) {
    this.tokens = options.tokens;
    this.private = options.private ?? false;
    this.trustProxy = options.trustProxy ?? false;
    this.limiter = options.rateLimit ? new RateLimiter({ perSecond: options.rateLimit, now: options.clock }) : null;
  }

  /** Reads `Authorization: Bearer <token>`. */
  authenticate(authorization: string | null | undefined): Principal {
    if (authorization === null || authorization === undefined || authorization.trim() === '') return ANONYMOUS;
    const match = BEARER.exec(authorization);
    if (!match || match[1]!.length > MAX_TOKEN_LENGTH) return { ...ANONYMOUS, token: 'malformed' };
    const found = this.tokens.lookup(match[1]!);
    if (found.status === 'unknown') return { ...ANONYMOUS, token: 'unknown' };
    if (found.status === 'expired') return { ...ANONYMOUS, token: 'expired' };
    const { id, name, scope } = found.token;
    let scopes = this.scopeSets.get(scope);
    if (scopes === undefined) this.scopeSets.set(scope, (scopes = impliedScopes(scope)));
    return { token: 'valid', scopes, id, name };
  }

  /** The key a client's rate is counted by: its token, else its address. */
  clientOf(principal: Principal, request: AccessRequest): string {
    if (principal.id !== null) return `token:${principal.id}`;
    if (this.trustProxy && request.forwardedFor) {
      // The client is the left-most address the proxy chain reports.
      const first = request.forwardedFor.split(',')[0]!.trim();
      if (first) return `ip:${first}`;
    }
    return `ip:${request.peer ?? 'unknown'}`;
  }

  /**
   * Authenticates and counts one request of `iface`. `reads`: the request reads the store (so, on a private
   * server, needs a read token unless `signed` says it carries another credential, a signed link).
   */
  admit(request: AccessRequest, iface: string, options: { reads?: boolean; signed?: boolean } = {}): Admission {
    const principal = this.authenticate(request.authorization);
    let headers: Record<string, string> | null = null;
    if (this.limiter !== null) {
      const decision = this.limiter.take(this.clientOf(principal, request), iface);
      headers = this.rateHeaders(decision);
      if (!decision.ok) {
        return {
          ok: false,
          principal,
          status: 429,
          code: 'RATE_LIMITED',
          message: `too many requests: this server allows ${this.limiter.perSecond} a second per client (bursts of ${this.limiter.burst}); retry after ${decision.retryAfter} s`,
          headers: { ...headers, 'Retry-After': String(decision.retryAfter) },
        };
      }
    }
    if (options.reads && this.private && !options.signed && !principal.scopes.has('read')) {
      return { ok: false, principal, ...this.refusal(principal, 'read', 'reading this store') };
    }
    return { ok: true, principal, headers };
  }

  /** Why `principal` may not do what needs `scope`, in words a client can act on. */
  refusal(principal: Principal, scope: Scope, what: string): AccessRefusal {
    return refusalFor(principal, scope, what, this.private);
  }

  private rateHeaders(decision: RateDecision): Record<string, string> {
    const limiter = this.limiter!;
    return { 'RateLimit-Policy': limiter.policyHeader(), RateLimit: limiter.stateHeader(decision) };
  }
}

/** Why `principal` may not do what needs `scope` (`what`: the field or action), in words a client can act on. */
export function refusalFor(principal: Pick<Principal, 'token'>, scope: Scope, what: string, privateReads = false): AccessRefusal {
  const needs = scope === 'read' && privateReads ? `this server is private: ${what} needs a token with the read scope` : `${what} needs the ${scope} scope`;
  const challenge = { 'WWW-Authenticate': 'Bearer realm="ipfrs"' };
  switch (principal.token) {
    case 'none':
      return { status: 401, code: 'UNAUTHENTICATED', message: `${needs}: ${how(scope)}`, headers: challenge };
    case 'malformed':
      return { status: 401, code: 'UNAUTHENTICATED', message: `${needs}, and the Authorization header is not "Bearer <token>": ${how(scope)}`, headers: challenge };
    case 'unknown':
      return { status: 401, code: 'UNAUTHENTICATED', message: `${needs}, and the bearer token is not one this server knows (revoked, or never issued here)`, headers: challenge };
    case 'expired':
      return { status: 401, code: 'UNAUTHENTICATED', message: `${needs}, and the bearer token has expired`, headers: challenge };
    case 'valid':
      return { status: 403, code: 'FORBIDDEN', message: `${needs}, which this token does not have`, headers: {} };
  }
}

/** For audit lines: who, by token name and id (never the secret). */
export function actorOf(principal: Principal): { token: string | null; tokenId: string | null } {
  return { token: principal.name, tokenId: principal.id };
}
