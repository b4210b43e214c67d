// Caps request bodies by kind: small for JSON and query strings, the upload limit for multipart. A declared
// Content-Length is checked before anything is read; a body without one (chunked) is counted while it streams.
// Over the limit is a 413 with a clear message, and the body is not read further.
//
// A body with a Content-Length is not wrapped in a counting stream: node's HTTP parser delivers exactly that many
// bytes (anything after them is parsed as the next request), and wrapping every request body in a stream costs
// more than the rest of answering a small query.
import { createGraphQLError, type Plugin } from 'graphql-yoga';

export interface BodyLimitOptions {
  /** Non-multipart bodies (JSON, query strings). */
  maxBodyBytes?: number;
  /** The largest file a multipart body may carry; the body may be this plus room for its other parts. */
  maxUploadBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const MULTIPART_OVERHEAD = 1024 * 1024;

export function useBodyLimit(options: BodyLimitOptions = {}): Plugin {
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const maxMultipart = (options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES) + MULTIPART_OVERHEAD;
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const multipart = (request.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
      const limit = multipart ? maxMultipart : maxBody;
      const length = request.headers.get('content-length');
      if (length !== null) {
        if (!/^\d+$/.test(length)) throw badLength();
        if (Number(length) > limit) throw tooLarge(limit, multipart);
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser(async (req) => {
        const counted = limited(req, limit, fetchAPI);
        try {
          return await parse(counted.request);
        } catch (error) {
          // The parsers wrap a failing body in their own error (a multipart one says "invalid multipart data"):
          // the cause was the size, so say so.
          if (counted.exceeded()) throw tooLarge(limit, multipart);
          throw error;
        }
      });
    },
  };
}

function limited(request: Request, limit: number, fetchAPI: { Request: typeof Request; TransformStream: typeof TransformStream }) {
  let read = 0;
  // A native stream must be piped through a native TransformStream (and a ponyfill one through the ponyfill's).
  const Transform = request.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
  const body = request.body!.pipeThrough(
    new Transform<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        if (read > limit) controller.error(new RangeError(`body over ${limit} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
  const init = { method: request.method, headers: request.headers, signal: request.signal, body, duplex: 'half' };
  return { request: new fetchAPI.Request(request.url, init as RequestInit), exceeded: () => read > limit };
}

function badLength() {
  return createGraphQLError('the Content-Length header is not a number of bytes', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}

function tooLarge(limit: number, multipart: boolean) {
  const what = multipart ? 'the upload' : 'the request body';
  return createGraphQLError(`${what} is larger than the limit of ${limit} bytes`, {
    extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } },
  });
}
