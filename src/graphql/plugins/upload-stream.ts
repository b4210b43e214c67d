// GraphQL multipart requests (the multipart request spec: `operations`, `map`, then the file parts) parsed as they
// stream: the operation runs as soon as `map` has arrived, and each file part is handed to its resolver as the bytes
// arrive, so addTensorFile writes it into the store's atomic ingest (hash while writing) without the upload ever
// being held in memory. yoga's own parser (request.formData()) keeps every file whole in memory first.
//
// Parts come in the order sent, so a file can only be read once the parts before it have been: mutations run one
// after another, which reads them in order. A client that goes away mid-part leaves the part's stream failing with
// UploadAbortedError; the store then removes its temp file.
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import { createGraphQLError } from 'graphql-yoga';
import type { UploadedFile } from '../builder.ts';

/** The upload ended (the client went away or cut the body short) before a file part did. */
export class UploadAbortedError extends Error {
  override name = 'UploadAbortedError';
}

export interface StreamedMultipartLimits {
  /** Bytes of `operations`, `map` and any other non-file field. */
  maxFieldBytes: number;
  /** File parts in one request. */
  maxFiles: number;
}

const DEFAULT_LIMITS: StreamedMultipartLimits = { maxFieldBytes: 1024 * 1024, maxFiles: 16 };

/** A file part that streams: `name` and `type` are known once `ready()` resolves; `size` is not known up front (-1). */
export class StreamedUpload implements UploadedFile {
  name = '';
  type = '';
  readonly size = -1;
  private part: Readable | null = null;
  private failure: Error | null = null;
  private readonly waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  consumed = false;

  /** Resolves when the part's headers have arrived; rejects when the request ends without it. */
  ready(): Promise<void> {
    if (this.part) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** The part's bytes as they arrive (once). */
  async *chunks(): AsyncGenerator<Uint8Array> {
    if (this.consumed) throw new TypeError('a file part can be read once');
    this.consumed = true;
    await this.ready();
    for await (const chunk of this.part!) yield chunk as Uint8Array;
  }

  stream(): ReadableStream<Uint8Array> {
    const chunks = this.chunks();
    return new ReadableStream({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
  }

  get attached(): boolean {
    return this.part !== null;
  }

  attach(part: Readable, filename: string, type: string): void {
    this.name = filename;
    this.type = type;
    this.part = part;
    // Its reader sees a failure through iteration; nobody else must have it thrown as an unhandled 'error'.
    part.on('error', () => {});
    for (const w of this.waiting.splice(0)) w.resolve();
  }

  /** Drops a part nobody will read. */
  discard(): void {
    if (this.part) this.part.destroy();
    else this.fail(new UploadAbortedError('not read: the answer went out first'));
  }

  fail(error: Error): void {
    if (this.part) {
      // Only a part still being read is cut short; one read to its end is whole.
      if (!this.part.readableEnded) this.part.destroy(error);
      return;
    }
    this.failure ??= error;
    for (const w of this.waiting.splice(0)) w.reject(error);
  }
}

/** How far a streamed request got: the server closes the connection when its body was not read to the end. */
export interface StreamedRequestState {
  finished: boolean;
  uploads: StreamedUpload[];
  /** Stops reading the body (the answer is out; the rest is not wanted). */
  stop(): void;
}

type Operations = Record<string, unknown>;

/** Parses a multipart GraphQL request from `source` (the node request when there is one, else the fetch body). */
export function parseStreamedMultipart(
  request: Request,
  nodeRequest: IncomingMessage | undefined,
  limits: StreamedMultipartLimits = DEFAULT_LIMITS,
): { params: Promise<Operations>; state: StreamedRequestState } {
  const uploads: StreamedUpload[] = [];
  const byField = new Map<string, StreamedUpload>();
  let operations: Operations | null = null;
  let mapped = false;
  let settle: { resolve: (o: Operations) => void; reject: (e: unknown) => void } | null = null;
  const params = new Promise<Operations>((resolve, reject) => (settle = { resolve, reject }));
  const resolveOnce = (value: Operations) => {
    settle?.resolve(value);
    settle = null;
  };
  const rejectOnce = (error: unknown) => {
    settle?.reject(error);
    settle = null;
  };
  const state: StreamedRequestState = { finished: false, uploads, stop: () => {} };

  let busboy: InstanceType<typeof Busboy>;
  try {
    busboy = new Busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      limits: { fieldSize: limits.maxFieldBytes, files: limits.maxFiles, fields: 16, parts: limits.maxFiles + 16 },
    });
  } catch (error) {
    return { params: Promise.reject(badRequest(`the multipart body cannot be read: ${(error as Error).message}`)), state: { ...state, finished: true } };
  }
  const abort = (error: Error) => {
    rejectOnce(badRequest(error.message));
    for (const upload of uploads) upload.fail(error);
  };

  busboy.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
    if (valueTruncated) return abort(badRequest(`the multipart field ${JSON.stringify(name.slice(0, 40))} is larger than ${limits.maxFieldBytes} bytes`));
    if (name === 'operations') {
      try {
        operations = JSON.parse(value) as Operations;
      } catch {
        return abort(badRequest('Multipart form field "operations" must be a valid JSON string'));
      }
      if (operations === null || typeof operations !== 'object' || Array.isArray(operations)) return abort(badRequest('Multipart form field "operations" must be a JSON object (batching is not supported)'));
    } else if (name === 'map') {
      if (operations === null) return abort(badRequest('Multipart form field "map" must come after "operations"'));
      let map: unknown;
      try {
        map = JSON.parse(value);
      } catch {
        return abort(badRequest('Multipart form field "map" must be a valid JSON string'));
      }
      if (map === null || typeof map !== 'object' || Array.isArray(map)) return abort(badRequest('Multipart form field "map" must be a JSON object of file field -> ["variables.x", ...]'));
      for (const [field, paths] of Object.entries(map as Record<string, unknown>)) {
        if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string')) return abort(badRequest(`map entry ${JSON.stringify(field.slice(0, 40))} must be a list of paths such as "variables.file"`));
        if (byField.size >= limits.maxFiles) return abort(badRequest(`at most ${limits.maxFiles} files per request`));
        const upload = new StreamedUpload();
        uploads.push(upload);
        byField.set(field, upload);
        for (const path of paths as string[]) {
          if (!setPath(operations, path, upload)) return abort(badRequest(`map path ${JSON.stringify(path.slice(0, 80))} does not name a place in the operation`));
        }
      }
      mapped = true;
      resolveOnce(operations);
    }
  });
  busboy.on('file', (name: string, part: Readable, filename: string, _encoding: string, type: string) => {
    const upload = byField.get(name);
    if (!mapped || upload === undefined) {
      // Not named by `map` (or before it): not ours to keep; read past it.
      part.resume();
      return;
    }
    upload.attach(part, filename, type);
  });
  busboy.on('finish', () => {
    state.finished = true;
    if (operations === null) rejectOnce(badRequest('Missing multipart form field "operations"'));
    else if (!mapped) resolveOnce(operations);
    for (const upload of uploads) if (!upload.attached) upload.fail(new UploadAbortedError('the request ended without this file part'));
  });
  busboy.on('error', (error: Error) => abort(new UploadAbortedError(`the multipart body is cut short or malformed: ${error.message}`)));
  for (const limit of ['partsLimit', 'filesLimit', 'fieldsLimit']) busboy.on(limit, () => abort(badRequest(`too many parts in the multipart body (${limit})`)));

  if (nodeRequest) {
    const cutOff = () => {
      if (!state.finished) {
        const error = new UploadAbortedError('the client went away before the upload ended');
        busboy.destroy(error);
        abort(error);
      }
    };
    nodeRequest.once('aborted', cutOff);
    nodeRequest.once('error', cutOff);
    nodeRequest.once('close', () => {
      if (!nodeRequest.complete) cutOff();
    });
    nodeRequest.pipe(busboy);
    state.stop = () => {
      nodeRequest.unpipe(busboy);
      // Read and drop what is still coming until the connection closes (unread input would reset it before the
      // client has read the answer).
      nodeRequest.resume();
    };
  } else if (request.body) {
    const reader = request.body.getReader();
    let stopped = false;
    state.stop = () => {
      stopped = true;
      void reader.cancel().catch(() => {});
    };
    void (async () => {
      const input = new PassThrough();
      input.pipe(busboy);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done || stopped) break;
          if (!input.write(value)) await new Promise((resolve) => input.once('drain', resolve));
        }
        input.end();
      } catch (error) {
        const cut = new UploadAbortedError(`the upload was cut short: ${(error as Error).message}`);
        busboy.destroy(cut);
        abort(cut);
      }
    })();
  } else {
    rejectOnce(badRequest('Missing multipart form field "operations"'));
  }
  return { params, state };
}

/** Sets `operations.variables.file` (or `variables.files.0`...) to `value`; false when the path names nothing there. */
function setPath(target: Operations, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let at: unknown = target;
  for (const key of keys.slice(0, -1)) {
    if (at === null || typeof at !== 'object' || key === '__proto__' || key === 'constructor' || key === 'prototype') return false;
    at = (at as Record<string, unknown>)[key];
  }
  const last = keys.at(-1)!;
  if (at === null || typeof at !== 'object' || last === '__proto__' || last === 'constructor' || last === 'prototype') return false;
  (at as Record<string, unknown>)[last] = value;
  return true;
}

function badRequest(message: string) {
  return createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
}
