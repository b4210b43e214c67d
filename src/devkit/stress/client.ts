// The stress clients' HTTP: a GET whose body is compared with the expected bytes chunk by chunk as it arrives (so
// 64 clients downloading 16 MiB files hold no bodies in memory), and multipart/byteranges bodies split into parts.
import { request, type Agent, type IncomingMessage } from 'node:http';
import { readNpy } from './data.ts';

/** Bytes of an .npy header (preamble included) once enough of it arrived to say, else null. */
function npyHeaderLength(head: Buffer): number | null {
  if (head.length < 12) return null;
  return head[6] === 1 ? 10 + head.readUInt16LE(8) : 12 + head.readUInt32LE(8);
}

export interface Expectation {
  status: number;
  /** The exact body; for 206 multipart, the parts in order with their Content-Range. */
  body?: Buffer;
  parts?: Array<{ range: string; bytes: Buffer }>;
  /** An .npy body: the header (numpy's own padding, not compared byte for byte) must give this shape and descr,
   * and the data after it must be exactly these bytes. */
  npy?: { shape: number[]; descr: string; data: Buffer };
  /** Checks on headers, e.g. Content-Range; each returns a problem or null. */
  headers?: Record<string, string>;
}

export interface Outcome {
  ok: boolean;
  /** Bytes compared equal with the source. */
  verified: number;
  /** A short description of what went wrong. */
  problem?: string;
  wrongBytes?: boolean;
  /** The first attempt lost a keep-alive race and this is the retry. */
  retried?: boolean;
}

export interface GetOptions {
  agent: Agent;
  origin: URL;
  path: string;
  headers?: Record<string, string>;
  /** Pause after the first chunk for this long (a slow reader). */
  stallMs?: number;
  /** Called once the response headers arrived (e.g. to delete the file mid-download). */
  onResponse?: (res: IncomingMessage) => Promise<void> | void;
}

/**
 * A GET checked against `expect`. An HTTP/1.1 keep-alive race (the server closed an idle socket just as a request
 * went out on it: ECONNRESET on a reused socket before any response) is retried once, as browsers and undici do;
 * `retried` says so. Any other failure counts.
 */
export async function get(options: GetOptions, expect: Expectation): Promise<Outcome> {
  const first = await attempt(options, expect);
  if (!first.keepAliveRace) return first;
  return { ...(await attempt(options, expect)), retried: true };
}

function attempt(options: GetOptions, expect: Expectation): Promise<Outcome & { keepAliveRace?: boolean }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Outcome & { keepAliveRace?: boolean }) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = request({ agent: options.agent, host: options.origin.hostname, port: options.origin.port, path: options.path, headers: options.headers });
    let answered = false;
    req.on('error', (error: NodeJS.ErrnoException) => {
      const race = !answered && req.reusedSocket && error.code === 'ECONNRESET';
      done({ ok: false, verified: 0, problem: `request error: ${error.message}${req.reusedSocket ? ' (reused socket)' : ''}`, ...(race ? { keepAliveRace: true } : {}) });
    });
    req.on('response', async (res) => {
      answered = true;
      if (res.statusCode !== expect.status) {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.length < 4 && chunks.push(d));
        res.on('end', () => done({ ok: false, verified: 0, problem: `status ${res.statusCode}, expected ${expect.status}: ${Buffer.concat(chunks).toString().slice(0, 200)}` }));
        res.on('error', () => done({ ok: false, verified: 0, problem: `status ${res.statusCode}, expected ${expect.status}` }));
        return;
      }
      for (const [name, value] of Object.entries(expect.headers ?? {})) {
        if (res.headers[name.toLowerCase()] !== value) {
          res.resume();
          return done({ ok: false, verified: 0, problem: `${name}: ${String(res.headers[name.toLowerCase()])}, expected ${value}` });
        }
      }
      if (options.onResponse) {
        res.pause();
        await options.onResponse(res);
      }
      if (expect.parts) return collectMultipart(res, expect.parts, done);
      if (!expect.body && !expect.npy) {
        // Only the status matters (an error answer): read and drop the body.
        res.resume();
        res.on('end', () => done({ ok: true, verified: 0 }));
        res.on('error', (error) => done({ ok: false, verified: 0, problem: `response error: ${error.message}` }));
        return;
      }
      let body = expect.body ?? Buffer.alloc(0);
      let offset = 0;
      // .npy: hold the first bytes until the header is complete, check it, then compare the rest as data.
      let head: Buffer | null = expect.npy ? Buffer.alloc(0) : null;
      let headerBytes = 0;
      let wrong = false;
      let stalled = !options.stallMs;
      res.on('data', (input: Buffer) => {
        let chunk = input;
        if (head !== null) {
          head = Buffer.concat([head, chunk]);
          const needed = npyHeaderLength(head);
          if (needed === null || head.length < needed) return;
          const parsed = readNpy(head);
          const npy = expect.npy!;
          if (!parsed || parsed.shape.join() !== npy.shape.join() || parsed.descr !== npy.descr) {
            wrong = true;
            head = null;
            return void done({ ok: false, verified: 0, problem: `npy header ${JSON.stringify(parsed)}, expected shape ${JSON.stringify(npy.shape)} ${npy.descr}` });
          }
          headerBytes = needed;
          body = npy.data;
          chunk = head.subarray(needed);
          head = null;
        }
        if (!wrong) {
          const want = body.subarray(offset, offset + chunk.length);
          if (want.length !== chunk.length || !want.equals(chunk)) wrong = true;
        }
        offset += chunk.length;
        if (!stalled) {
          stalled = true;
          res.pause();
          setTimeout(() => res.resume(), options.stallMs);
        }
      });
      res.on('end', () => {
        if (head !== null) return done({ ok: false, verified: 0, problem: `npy body ended inside its header (${head.length} bytes)` });
        if (wrong) done({ ok: false, verified: 0, wrongBytes: offset <= body.length, problem: offset > body.length ? `${offset} bytes, expected ${body.length}` : `wrong bytes in ${options.path}` });
        else if (offset !== body.length) done({ ok: false, verified: 0, problem: `short body: ${offset} of ${body.length} bytes` });
        else done({ ok: true, verified: offset + headerBytes });
      });
      res.on('error', (error) => done({ ok: false, verified: 0, problem: `response error after ${offset} bytes: ${error.message}` }));
      res.on('aborted', () => done({ ok: false, verified: 0, problem: `aborted after ${offset} of ${body.length} bytes` }));
      if (res.isPaused()) res.resume();
    });
    req.end();
  });
}

/** multipart/byteranges: each part's Content-Range and bytes must be the expected ones, in order. */
function collectMultipart(res: IncomingMessage, parts: Array<{ range: string; bytes: Buffer }>, done: (o: Outcome) => void): void {
  const boundary = /boundary=([^;]+)/.exec(res.headers['content-type'] ?? '')?.[1];
  const chunks: Buffer[] = [];
  res.on('data', (d: Buffer) => chunks.push(d));
  res.on('error', (error) => done({ ok: false, verified: 0, problem: `multipart response error: ${error.message}` }));
  res.on('end', () => {
    if (!boundary) return done({ ok: false, verified: 0, problem: `no boundary in ${res.headers['content-type']}` });
    const body = Buffer.concat(chunks);
    const delimiter = Buffer.from(`\r\n--${boundary}`);
    // The body starts with "\r\n--boundary" (as nginx writes it) or "--boundary".
    let at = body.indexOf(`--${boundary}`);
    let verified = 0;
    for (const part of parts) {
      const headEnd = body.indexOf('\r\n\r\n', at);
      if (at < 0 || headEnd < 0) return done({ ok: false, verified: 0, problem: 'multipart: a part is missing' });
      const head = body.subarray(at, headEnd).toString('latin1');
      const range = /Content-Range: (bytes \S+)/i.exec(head)?.[1];
      if (range !== part.range) return done({ ok: false, verified: 0, problem: `multipart: Content-Range ${range}, expected ${part.range}` });
      const start = headEnd + 4;
      const got = body.subarray(start, start + part.bytes.length);
      if (!got.equals(part.bytes)) return done({ ok: false, verified: 0, wrongBytes: true, problem: `multipart: wrong bytes in ${range}` });
      verified += got.length;
      at = start + part.bytes.length;
      if (!body.subarray(at, at + delimiter.length).equals(delimiter)) return done({ ok: false, verified: 0, problem: 'multipart: no delimiter after a part' });
      at += 2;
    }
    if (!body.subarray(at).toString('latin1').startsWith(`--${boundary}--`)) return done({ ok: false, verified: 0, problem: 'multipart: no closing delimiter' });
    done({ ok: true, verified });
  });
}
