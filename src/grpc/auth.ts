// Who a gRPC call comes from: the bearer token in its `authorization` metadata, checked by the same AuthPort and
// authenticate() as GraphQL (src/graphql/auth.ts), with GraphQL's messages. The one place gRPC meets the access
// model: when src/auth/ replaces it, only this file changes.
import { status, type Metadata } from '@grpc/grpc-js';
import { authenticate, refusal } from '../graphql/services/auth.ts';
import type { AuthPort, Scope } from '../graphql/services/ports.ts';
import { GrpcError } from './status.ts';

export type { AuthPort, Scope };

/** Throws UNAUTHENTICATED (no or unknown token) or PERMISSION_DENIED (a token without `scope`) unless granted. */
export function requireScope(metadata: Metadata, port: AuthPort, scope: Scope, method: string): void {
  const values = metadata.get('authorization');
  // Several authorization values are malformed, as a second Authorization header would be.
  const header = values.length === 0 ? null : values.length > 1 ? 'several' : String(values[0]);
  const auth = authenticate(header, port);
  if (auth.scopes.has(scope)) return;
  const { code, message } = refusal(auth, scope, method);
  throw new GrpcError(code === 'UNAUTHENTICATED' ? status.UNAUTHENTICATED : status.PERMISSION_DENIED, message);
}
