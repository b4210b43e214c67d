// CORS and CSRF for /graphql as src/auth/cors.ts decides them: yoga's `cors` option from the policy, and a simple
// POST without a preflight-forcing header refused with 403 (yoga's own CSRF plugin also refused GET queries and
// SSE subscriptions, which ordinary clients send without one).
import { createGraphQLError, type Plugin, type YogaServerOptions } from 'graphql-yoga';
import { corsDecision, lacksPreflightHeader, preflightRefusal, PREFLIGHT_HEADERS, type CorsPolicy } from '../../auth/cors.ts';

export interface CorsPolicyOptions {
  policy: CorsPolicy;
  /** Origins besides the request's own Host that are the server itself (--public-url). */
  selfOrigins?: readonly string[];
}

const ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', ...PREFLIGHT_HEADERS];

/** Yoga's `cors` option: per request, the policy's answer. */
export function corsOption(options: CorsPolicyOptions): NonNullable<YogaServerOptions<object, object>['cors']> {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    const url = new URL(request.url);
    const host = request.headers.get('host');
    const self = [url.origin, ...(host ? [`${url.protocol}//${host}`] : []), ...(options.selfOrigins ?? [])];
    const decision = corsDecision(options.policy, origin, self);
    if (decision.allowOrigin === null) return false;
    return {
      origin: [decision.allowOrigin],
      credentials: decision.credentials,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ['Retry-After', 'RateLimit', 'RateLimit-Policy'],
      maxAge: 600,
    };
  };
}

export function useCsrfHeader(): Plugin {
  return {
    onRequestParse({ request }) {
      if (lacksPreflightHeader(request.method, request.headers.get('content-type'), (h) => request.headers.has(h))) {
        throw createGraphQLError(preflightRefusal(), { extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } } });
      }
    },
  };
}
