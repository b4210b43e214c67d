// The scope a gRPC method needs: the bearer token in its `authorization` metadata, checked by the same AuthPort
// (src/auth) as GraphQL, with GraphQL's messages. Rate limits and private reads are admission.ts's, before any handler.
import { status, type Metadata } from '@grpc/grpc-js';
import { authenticate, refusal } from '../graphql/services/auth.ts';
import type { AuthPort, Scope } from '../graphql/services/ports.ts';
import { authorizationOf } from './admission.ts';
import { GrpcError } from './status.ts';

export type { AuthPort, Scope };

/** Throws UNAUTHENTICATED (no or unknown token) or PERMISSION_DENIED (a token without `scope`) unless granted. */
export function requireScope(metadata: Metadata, port: AuthPort, scope: Scope, method: string): void {
  const auth = authenticate(authorizationOf(metadata), port);
  if (auth.scopes.has(scope)) return;
  const { code, message } = refusal(auth, scope, method);
  throw new GrpcError(code === 'UNAUTHENTICATED' ? status.UNAUTHENTICATED : status.PERMISSION_DENIED, message);
}
