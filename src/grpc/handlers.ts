// Wrappers that make every handler answer with a status, whatever it throws: an expected failure with its code
// and message (status.ts), a bug as INTERNAL with a fixed message and the whole error in the log. No handler
// lets an exception escape into grpc-js (which would answer UNKNOWN with the message of the bug).
import { status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import type { TranslateHints } from '../graphql/translate.ts';
import { toStatus, GrpcError } from './status.ts';

/**
 * What a request that is not a valid protobuf message decodes to (server.ts wraps the deserializers): grpc-js
 * would answer INTERNAL for it, and it is the client's mistake, so the handlers answer INVALID_ARGUMENT.
 */
export class UndecodableRequest {
  constructor(readonly reason: string) {}
}

export function checkDecoded<T>(message: T | UndecodableRequest): T {
  if (message instanceof UndecodableRequest) throw new GrpcError(status.INVALID_ARGUMENT, `the request is not a valid protobuf message of its type: ${message.reason}`);
  return message;
}

export interface HandlerLogger {
  error(msg: string, fields?: Record<string, unknown>): void;
}

function failure(error: unknown, logger: HandlerLogger, method: string, hints?: TranslateHints): GrpcError {
  const { code, details, unexpected } = toStatus(error, hints);
  if (unexpected) logger.error('grpc: unexpected error', { error, method });
  else if (details.includes('ipfrs verify')) logger.error('grpc: store fault (run ipfrs verify)', { error, method });
  return error instanceof GrpcError ? error : new GrpcError(code, details);
}

export function unary<Req, Res>(
  method: string,
  logger: HandlerLogger,
  run: (call: ServerUnaryCall<Req, Res>) => Res | Promise<Res>,
  hints?: TranslateHints,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    Promise.resolve()
      .then(() => checkDecoded(call.request))
      .then(() => run(call))
      .then(
        (result) => callback(null, result),
        (error: unknown) => callback(failure(error, logger, method, hints)),
      );
  };
}

export function clientStreaming<Req, Res>(
  method: string,
  logger: HandlerLogger,
  run: (call: ServerReadableStream<Req, Res>) => Promise<Res>,
  hints?: TranslateHints,
): (call: ServerReadableStream<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    Promise.resolve()
      .then(() => run(call))
      .then(
        (result) => callback(null, result),
        // A client that went away mid-upload broke the source on purpose (nothing to log, nobody to tell).
        (error: unknown) => callback(call.cancelled ? new GrpcError(status.CANCELLED, 'cancelled by the client') : failure(error, logger, method, hints)),
      );
  };
}

/** `run` writes the messages and resolves true when done (then the call ends OK), false when it was cancelled. */
export function serverStreaming<Req, Res>(
  method: string,
  logger: HandlerLogger,
  run: (call: ServerWritableStream<Req, Res>) => Promise<boolean>,
  hints?: TranslateHints,
): (call: ServerWritableStream<Req, Res>) => void {
  return (call) => {
    Promise.resolve()
      .then(() => checkDecoded(call.request))
      .then(() => run(call))
      .then(
        (completed) => {
          if (completed) call.end();
        },
        (error: unknown) => {
          // grpc-js's way to end a server stream with a status: the 'error' event (it then ends the call).
          if (!call.cancelled) call.emit('error', failure(error, logger, method, hints));
        },
      );
  };
}
