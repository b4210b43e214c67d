// Browsers: who may read answers (CORS) and which requests must prove they are not a cross-site form (CSRF). Pure.
//
// CORS: the server's own origin, plus each --cors-origin. An allowed origin gets itself back in
// Access-Control-Allow-Origin (never another page's origin reflected, never with credentials unless named); any
// other origin gets no CORS headers, so its page cannot read the answer. `*` allows every origin, without
// credentials.
//
// CSRF: a browser sends GET, and POSTs of the "simple" types (form, multipart, text/plain), cross-site without
// asking first. A GET never runs a mutation (GraphQL over HTTP), and CORS decides who reads it, so GET queries and
// SSE subscriptions need nothing more. A simple POST could change state, so it must carry one of the headers below:
// a page can only add a custom header after a preflight, which CORS then refuses for an origin not allowed.

/** Any one of these makes a simple POST acceptable: yoga's, the GraphQL-over-HTTP draft's, and Apollo's names. */
export const PREFLIGHT_HEADERS: readonly string[] = ['x-graphql-yoga-csrf', 'graphql-preflight', 'apollo-require-preflight', 'x-apollo-operation-name'];

const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

export interface CorsPolicy {
  /** Exact origins (scheme://host[:port]) besides the server's own; `*` for any (then without credentials). */
  origins: readonly string[];
}

export interface CorsDecision {
  /** The value of Access-Control-Allow-Origin, or null: send no CORS headers. */
  allowOrigin: string | null;
  credentials: boolean;
}

const ORIGIN = /^https?:\/\/[^/?#\s]+\/?$/;

/** Checks --cors-origin values; throws RangeError naming the bad one. */
export function corsPolicy(origins: readonly string[]): CorsPolicy {
  for (const origin of origins) {
    if (origin !== '*' && !ORIGIN.test(origin)) throw new RangeError(`--cors-origin must be an origin such as https://app.example.com (no path) or *, not ${JSON.stringify(origin)}`);
  }
  return { origins: origins.map((o) => o.replace(/\/$/, '').toLowerCase()) };
}

/**
 * What to answer a request from `origin` (its Origin header) arriving at `selfOrigins` (the server's own origins:
 * the Host it was sent to, and --public-url).
 */
export function corsDecision(policy: CorsPolicy, origin: string | null, selfOrigins: readonly string[]): CorsDecision {
  if (origin === null || origin === '') return { allowOrigin: null, credentials: false };
  const lower = origin.toLowerCase();
  if (selfOrigins.some((o) => o.toLowerCase() === lower) || policy.origins.includes(lower)) return { allowOrigin: origin, credentials: true };
  if (policy.origins.includes('*')) return { allowOrigin: '*', credentials: false };
  return { allowOrigin: null, credentials: false };
}

/** Whether a request must carry one of PREFLIGHT_HEADERS (see above), and does not. */
export function lacksPreflightHeader(method: string, contentType: string | null, has: (header: string) => boolean): boolean {
  if (method !== 'POST') return false;
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (essence !== '' && !SIMPLE_TYPES.has(essence)) return false;
  return !PREFLIGHT_HEADERS.some(has);
}

export function preflightRefusal(): string {
  return `Required CSRF header missing: a form, multipart or text/plain POST must carry one of the headers ${PREFLIGHT_HEADERS.join(', ')} (any value): a page on another site cannot add one, so this stops cross-site requests. JSON POSTs and GET queries need none`;
}
