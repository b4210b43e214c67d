// Multipart GraphQL requests parsed as they stream (upload-stream.ts) instead of by yoga's in-memory parser. When
// the answer goes out before the body was read to its end (a refused or failed upload), the connection is closed
// after the answer rather than the rest of a many-GiB body being read for nothing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { parseStreamedMultipart, type StreamedMultipartLimits, type StreamedRequestState } from './upload-stream.ts';

/** What yoga's requestListener(req, res) puts in the server context. */
interface NodeContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

export function useStreamedUpload(limits?: StreamedMultipartLimits): Plugin {
  const states = new WeakMap<Request, StreamedRequestState>();
  return {
    onRequestParse({ request, serverContext, setRequestParser }) {
      if (request.method !== 'POST' || !(request.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) return;
      const nodeRequest = (serverContext as NodeContext | undefined)?.req;
      setRequestParser((req) => {
        const { params, state } = parseStreamedMultipart(req, nodeRequest, limits);
        states.set(request, state);
        return params;
      });
    },
    onResponse({ request, response, serverContext }) {
      const state = states.get(request);
      if (state === undefined || state.finished) return;
      response.headers.set('connection', 'close');
      state.stop();
      for (const upload of state.uploads) if (!upload.consumed) upload.discard();
      const res = (serverContext as NodeContext | undefined)?.res;
      const socket = (serverContext as NodeContext | undefined)?.req?.socket;
      if (res && socket) res.once('finish', () => setTimeout(() => socket.destroy(), 2000).unref());
    },
  };
}
