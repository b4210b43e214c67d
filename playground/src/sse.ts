// GraphQL subscriptions over server-sent events (graphql-yoga's transport): a POST with
// `Accept: text/event-stream`, read as a stream. Reconnects with backoff; the parser is pure for tests.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { askForToken, endpoint, headers, sourceOf } from './api.ts';

export interface SseEvent {
  event: string;
  data: string;
}

/** Incremental text/event-stream parser (WHATWG rules for the fields GraphQL servers send). */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      // A lone \r at the end of the buffer may be half of \r\n: wait for the next chunk.
      if (width === 1 && this.buffer[newline] === '\r' && newline === this.buffer.length - 1) break;
      this.buffer = this.buffer.slice(newline + width);
      if (line === '') {
        if (this.data.length > 0 || this.event) out.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
    }
    return out;
  }
}

export type ConnectionState = 'connecting' | 'live' | 'retrying' | 'closed';

export interface SubscribeHandlers<T> {
  next(data: T): void;
  /** A reason in words whenever the stream fails; it retries on its own. */
  error(message: string): void;
  state?(state: ConnectionState): void;
}

const RETRY_MS = [1000, 2000, 5000, 10000];

export function subscribe<TResult, TVariables>(
  document: TypedDocumentNode<TResult, TVariables>,
  variables: TVariables,
  handlers: SubscribeHandlers<TResult>,
): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const retry = (message: string) => {
    if (stopped) return;
    handlers.error(message);
    handlers.state?.('retrying');
    timer = setTimeout(run, RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]);
  };

  async function run(): Promise<void> {
    if (stopped) return;
    controller = new AbortController();
    handlers.state?.('connecting');
    let response: Response;
    try {
      response = await fetch(endpoint(), {
        method: 'POST',
        headers: headers('text/event-stream', null),
        body: JSON.stringify({ ...sourceOf(document), variables }),
        signal: controller.signal,
      });
    } catch {
      return retry('Live updates lost: the server cannot be reached.');
    }
    if (response.status === 401 && (await askForToken('This server is private: live updates need a token.'))) {
      return void run();
    }
    if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
      return retry(`Live updates refused: the server answered ${response.status}.`);
    }
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          if (event.event === 'complete') continue;
          if (event.event !== 'next' && event.event !== 'message') continue;
          const payload = JSON.parse(event.data) as { data?: TResult; errors?: Array<{ message: string }> };
          if (payload.errors?.length) handlers.error(payload.errors.map((e) => e.message).join('; '));
          else if (payload.data) {
            attempt = 0;
            handlers.state?.('live');
            handlers.next(payload.data);
          }
        }
      }
    } catch {
      if (stopped) return;
      return retry('Live updates interrupted; reconnecting.');
    }
    retry('Live updates ended; reconnecting.');
  }

  void run();
  return () => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
    handlers.state?.('closed');
  };
}
