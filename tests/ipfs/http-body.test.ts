// getStreamed: the body of a GET framed by chunked coding, Content-Length or the connection's end, whatever the
// sender's write sizes (bytes cut mid size line, mid CRLF); a cut body, a bad chunk line and a long head refused.
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getStreamed } from '../../src/ipfs/http-body.ts';

const MiB = 1 << 20;
let server: Server;
let port = 0;
/** What the next connection is answered with: pieces written one by one, a tick apart, then the end (or not). */
let answer: { pieces: Buffer[]; end: boolean } = { pieces: [], end: true };
let requestHead = '';

test.before(async () => {
  server = createServer((socket: Socket) => {
    let head = '';
    socket.on('data', async (data) => {
      head += data.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      requestHead = head;
      for (const piece of answer.pieces) {
        if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve));
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (answer.end) socket.end();
      else socket.destroy();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

test.after(() => void server.close());

/** `bytes` cut into pieces of the given sizes in turn. */
function cut(bytes: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < bytes.byteLength; i++) {
    const size = sizes[i % sizes.length]!;
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

function chunkedOf(body: Buffer, chunk: number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.byteLength; at += chunk) {
    const piece = body.subarray(at, at + chunk);
    parts.push(Buffer.from(`${piece.byteLength.toString(16)}${at === 0 ? ';ext=1' : ''}\r\n`), piece, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\nx-trailer: 1\r\n\r\n'));
  return Buffer.concat(parts);
}

/** The whole body, copied piece by piece (a piece is valid only until the next is asked for). */
async function read(headers: Record<string, string> = {}): Promise<{ status: number; headers: Map<string, string>; body: Buffer }> {
  const res = await getStreamed(new URL(`http://127.0.0.1:${port}/some/path?q=1`), headers, AbortSignal.timeout(20_000));
  const parts: Buffer[] = [];
  for await (const piece of res.body) parts.push(Buffer.from(piece));
  return { status: res.status, headers: res.headers, body: Buffer.concat(parts) };
}

const body = randomBytes(3 * MiB + 17);

test('chunked, Content-Length and close-delimited bodies, for writes of 1 MiB, odd sizes and 1 byte at the head', async () => {
  const head = (extra: string) => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ipld.car\r\nX-Twice: a\r\nx-twice: b\r\n${extra}\r\n`);
  const cases = [
    { name: 'chunked', bytes: Buffer.concat([head('Transfer-Encoding: chunked\r\n'), chunkedOf(body, 65536 + 3)]) },
    { name: 'content-length', bytes: Buffer.concat([head(`Content-Length: ${body.byteLength}\r\n`), body]) },
    { name: 'close', bytes: Buffer.concat([head(''), body]) },
  ];
  for (const { name, bytes } of cases) {
    for (const sizes of [[MiB], [1, 2, 3, 70_001, 5], [7, 200_000]]) {
      answer = { pieces: cut(bytes, sizes), end: true };
      const got = await read({ Accept: 'application/vnd.ipld.car' });
      assert.is(got.status, 200, name);
      assert.is(got.headers.get('content-type'), 'application/vnd.ipld.car');
      assert.is(got.headers.get('x-twice'), 'a, b');
      assert.ok(got.body.equals(body), `${name} with writes of ${sizes}`);
    }
  }
  assert.match(requestHead, /^GET \/some\/path\?q=1 HTTP\/1\.1\r\n/);
  assert.match(requestHead, /\r\nAccept: application\/vnd\.ipld\.car\r\n/);
});

test('a status other than 200 comes back as such, with its body', async () => {
  answer = { pieces: [Buffer.from('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found')], end: true };
  const got = await read();
  assert.is(got.status, 404);
  assert.is(got.body.toString(), 'not found');
});

test('a body cut short, a bad chunk size line, a long head and an HTML answer are errors', async () => {
  const refusals: [Buffer[], boolean, RegExp][] = [
    [[Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n`), randomBytes(50)], false, /closed in the middle of the body/],
    [[Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n`), chunkedOf(body, MiB).subarray(0, MiB)], true, /closed in the middle of the body/],
    [[Buffer.from(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`)], true, /bad chunk size line/],
    [[Buffer.from(`HTTP/1.1 200 OK\r\nX-Long: ${'a'.repeat(70_000)}\r\n\r\n`)], true, /head is too long/],
    [[Buffer.from('<html>hello</html>\r\n\r\n')], true, /not an HTTP\/1\.1 response/],
  ];
  for (const [pieces, end, message] of refusals) {
    answer = { pieces, end };
    try {
      await read();
      assert.unreachable(`read ${message}`);
    } catch (error) {
      assert.match((error as Error).message, message);
    }
  }
});

test('refused connections and an aborted read fail', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  try {
    await getStreamed(new URL(`http://127.0.0.1:${closedPort}/`), {}, AbortSignal.timeout(5000));
    assert.unreachable('connected to a closed port');
  } catch (error) {
    assert.match((error as Error).message, /ECONNREFUSED/);
  }
  // Never ends: only the abort stops the read.
  answer = { pieces: [Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${10 * MiB}\r\n\r\n`), randomBytes(MiB)], end: false };
  const controller = new AbortController();
  const res = await getStreamed(new URL(`http://127.0.0.1:${port}/`), {}, controller.signal);
  let bytes = 0;
  try {
    for await (const piece of res.body) {
      bytes += piece.byteLength;
      if (bytes >= 1000) controller.abort();
    }
    assert.unreachable('the read went on');
  } catch (error) {
    assert.ok(bytes >= 1000);
    assert.match((error as Error).name + (error as Error).message, /Abort|closed/);
  }
});

test.run();
