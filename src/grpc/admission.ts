// Every gRPC call of ipfrs.v1 goes through the one access model (src/auth/access.ts), as GraphQL and downloads do:
// the rate limit (RESOURCE_EXHAUSTED, with retry-after in the trailers) and, on a private store, a read token
// (UNAUTHENTICATED / PERMISSION_DENIED). Health and reflection stay open: load balancers and grpcurl need them.
import { Metadata, ServerInterceptingCall, ServerListenerBuilder, ResponderBuilder, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { Access, AccessRefusal } from '../auth/access.ts';

const OUR_SERVICES = '/ipfrs.v1.';
const CODE_OF: Record<AccessRefusal['code'], status> = {
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
};

/** The peer's address without its port: grpc-js gives `1.2.3.4:5678`, `[::1]:5678` or `ipv6:[::1]:5678`. */
export function peerAddress(peer: string): string {
  const bare = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(bare);
  if (bracketed) return bracketed[1]!;
  const hostPort = /^([^:]+):\d+$/.exec(bare);
  return hostPort ? hostPort[1]! : bare;
}

/** The one `authorization` value, or 'several' (malformed, like a second Authorization header), or null. */
export function authorizationOf(metadata: Metadata): string | null {
  const values = metadata.get('authorization');
  return values.length === 0 ? null : values.length > 1 ? 'several' : String(values[0]);
}

export function admitCalls(access: Access): ServerInterceptor {
  return (method, call) => {
    if (!method.path.startsWith(OUR_SERVICES)) return new ServerInterceptingCall(call);
    const listener = new ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        // Every ipfrs.v1 call reads or writes the store; writes also check their scope in their handler.
        const admission = access.admit({ authorization: authorizationOf(metadata), peer: peerAddress(call.getPeer()) }, 'grpc', { reads: true });
        if (admission.ok) return next(metadata);
        const trailers = new Metadata();
        for (const [name, value] of Object.entries(admission.headers)) trailers.set(name.toLowerCase(), value);
        call.sendStatus({ code: CODE_OF[admission.code], details: admission.message, metadata: trailers });
      })
      .build();
    return new ServerInterceptingCall(call, new ResponderBuilder().withStart((next) => next(listener)).build());
  };
}
