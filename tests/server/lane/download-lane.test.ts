// The download lane (src/server/lane/download-lane.ts) over real sockets, with a raw client that controls every byte:
// lane and node:http requests mixed on one connection, pipelining (with a large body in the middle), heads split
// into single bytes, Connection: close, HEAD and OPTIONS, malformed requests answered exactly as node:http answers
// them without the lane, half-close, disconnects mid-body, the idle and head timeouts, closeIdle(), and the observer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createDownloadRoute } from '../../../src/http/download.ts';
import { downloadPath } from '../../../src/http/paths.ts';
import { newKeyRing } from '../../../src/http/sign.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { attachDownloadLane, type DownloadLane, type LaneObserver } from '../../../src/server/lane/download-lane.ts';
import { makeFixture, once, type Fixture } from '../../helpers/download-server.ts';
import { eventually, RawConnection, sleep } from '../../helpers/raw-connection.ts';

type Finished = Parameters<LaneObserver['finished']>[0];

interface TestServer {
  port: number;
  server: Server;
  /** Null for transport 'node'. */
  lane: DownloadLane | null;
  /** What the observer saw. */
  started: number;
  finished: Finished[];
  /** What closing() answers. */
  closing: boolean;
  /** The server's side of each connection, in the order they came. */
  sockets: Socket[];
  close(): Promise<void>;
}

/**
 * The download route (public: no signatures needed) on a node:http server that also answers GET /other and
 * POST /echo; with the lane in front of it ('lane') or not ('node').
 */
async function startServer(fx: Fixture, options: { transport?: 'lane' | 'node'; keepAliveTimeoutMs?: number; headersTimeoutMs?: number } = {}): Promise<TestServer> {
  const keepAliveTimeoutMs = options.keepAliveTimeoutMs ?? 5000;
  const route = createDownloadRoute({ store: fx.store, reader: fx.reader, ring: newKeyRing, publicMode: true, logger: silentLogger });
  const server = createServer({ keepAliveTimeout: keepAliveTimeoutMs }, (req, res) => {
    if (/^\/(?:v1|zarr)(?:[/?]|$)/.test(req.url!)) return void route.handle(req, res);
    if (req.method === 'POST' && req.url === '/echo') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat([Buffer.from('echo:'), ...chunks]);
        res.writeHead(200, { 'Content-Length': body.length }).end(body);
      });
      return;
    }
    const body = req.url === '/other' ? 'other' : 'not found';
    res.writeHead(req.url === '/other' ? 200 : 404, { 'Content-Length': body.length }).end(body);
  });
  const state: TestServer = {
    port: 0,
    server,
    lane: null,
    started: 0,
    finished: [],
    closing: false,
    sockets: [],
    close: () =>
      new Promise<void>((resolve) => {
        state.lane?.closeAll();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  if ((options.transport ?? 'lane') === 'lane') {
    state.lane = attachDownloadLane(server, {
      route,
      keepAliveTimeoutMs,
      headersTimeoutMs: options.headersTimeoutMs ?? 60_000,
      closing: () => state.closing,
      observer: { started: () => state.started++, finished: (info) => state.finished.push(info), timed: true },
    });
    assert.ok(state.lane, 'the lane attaches to node:http');
  }
  // After attaching: the lane wants node:http's listener to be the only one when it attaches.
  server.on('connection', (socket: Socket) => state.sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  return state;
}

const BIG_SIZE = 3 * 1024 * 1024 + 17; // more than one 1 MiB chunk, not a multiple of it
const HUGE_SIZE = 48 * 1024 * 1024; // more than the socket buffers and the lane's queued chunks hold
let fx: Fixture;
let lane: TestServer;
let node: TestServer;
let BLOB: string;
let BIG: string;
let HUGE: string;
let bigBytes: Buffer;
let hugeBytes: Buffer;

beforeAll(test, async () => {
  fx = await makeFixture();
  bigBytes = randomBytes(BIG_SIZE);
  hugeBytes = randomBytes(HUGE_SIZE);
  BLOB = downloadPath({ kind: 'blob', cid: fx.blob.record.cid });
  BIG = downloadPath({ kind: 'blob', cid: (await fx.store.add(once(bigBytes), { dtype: 'U8', shape: [BIG_SIZE], name: 'big.bin' })).file.cid });
  HUGE = downloadPath({ kind: 'blob', cid: (await fx.store.add(once(hugeBytes), { dtype: 'U8', shape: [HUGE_SIZE], name: 'huge.bin' })).file.cid });
  lane = await startServer(fx);
  node = await startServer(fx, { transport: 'node' });
});

test.after(async () => {
  await lane.close();
  await node.close();
  fx.close();
});

/** A request head: `Host` first, then the lines given. */
const req = (method: string, path: string, ...lines: string[]) => `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;
const post = (body: string) => `POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

async function withConnection<T>(server: TestServer, run: (c: RawConnection) => Promise<T>): Promise<T> {
  const c = await RawConnection.open(server.port);
  try {
    return await run(c);
  } finally {
    c.destroy();
  }
}

/** The same bytes sent on a new connection to the lane and to plain node:http: what each answered, side by side. */
function fromBoth<T>(text: string, read: (c: RawConnection, method: string) => Promise<T>): Promise<[T, T]> {
  const method = text.slice(0, text.indexOf(' '));
  return Promise.all([lane, node].map((server) => withConnection(server, async (c) => {
    await c.write(text);
    return read(c, method);
  }))) as Promise<[T, T]>;
}

/** Observer entries recorded while `run` runs. */
async function observed(server: TestServer, run: () => Promise<void>): Promise<Finished[]> {
  const from = server.finished.length;
  await run();
  return server.finished.slice(from);
}

// ---------------------------------------------------------------------------------------------------------------

test('a lane request, then GET /other and a POST with a body on the same connection: each answered, in order', async () => {
  await withConnection(lane, async (c) => {
    await c.write(req('GET', BLOB, 'Range: bytes=0-9'));
    const first = await c.readResponse();
    assert.is(first.status, 206);
    assert.ok(first.body.equals(fx.blob.bytes.subarray(0, 10)));
    assert.is(first.headers.connection, 'keep-alive');
    const socket = lane.sockets.at(-1)!;
    assert.ok(lane.lane!.holds(socket), 'the lane holds the connection');

    await c.write(req('GET', '/other'));
    const other = await c.readResponse();
    assert.is(other.status, 200);
    assert.is(other.body.toString(), 'other');
    assert.not.ok(lane.lane!.holds(socket), 'handed to node:http');

    await c.write(post('hello'));
    assert.is((await c.readResponse()).body.toString(), 'echo:hello');
    // node:http keeps the connection, and answers download requests on it too.
    await c.write(req('GET', BLOB, 'Range: bytes=-5'));
    const last = await c.readResponse();
    assert.is(last.status, 206);
    assert.ok(last.body.equals(fx.blob.bytes.subarray(-5)));
    assert.ok(await c.staysOpen(50));
  });
});

test('the reverse: a non-lane request first, then download requests: node:http keeps the connection and answers them', async () => {
  const seen = await observed(lane, () =>
    withConnection(lane, async (c) => {
      await c.write(post('x'));
      assert.is((await c.readResponse()).body.toString(), 'echo:x');
      for (const range of ['bytes=0-0', 'bytes=100-199']) {
        await c.write(req('GET', BLOB, `Range: ${range}`));
        const res = await c.readResponse();
        assert.is(res.status, 206);
        assert.is(res.body.length, Number(/-(\d+)$/.exec(range)![1]) - Number(/=(\d+)/.exec(range)![1]) + 1);
      }
      await c.write(req('GET', '/other'));
      assert.is((await c.readResponse()).body.toString(), 'other');
    }),
  );
  assert.equal(seen, [], 'the lane answered none of them');
});

test('pipelined lane requests in one write, a 3 MiB body first: all answered in order, every byte right', async () => {
  const tensor = downloadPath({ kind: 'tensor', cid: fx.model.record.cid, name: 'v' });
  const seen = await observed(lane, () =>
    withConnection(lane, async (c) => {
      await c.write(
        req('GET', BIG) +
          req('GET', BLOB, 'Range: bytes=10-19') +
          req('HEAD', BIG) +
          req('GET', tensor) +
          req('GET', BIG, 'Range: bytes=1048570-1048589') +
          req('OPTIONS', BLOB, 'Origin: https://app.example', 'Access-Control-Request-Method: GET') +
          req('GET', BLOB, 'If-None-Match: "' + fx.blob.record.cid + '"'),
      );
      const big = await c.readResponse();
      assert.is(big.status, 200);
      assert.ok(big.body.equals(bigBytes), 'the whole 3 MiB body');
      const range = await c.readResponse();
      assert.is(range.status, 206);
      assert.ok(range.body.equals(fx.blob.bytes.subarray(10, 20)));
      const head = await c.readResponse({ method: 'HEAD' });
      assert.is(head.status, 200);
      assert.is(head.headers['content-length'], String(BIG_SIZE));
      const v = await c.readResponse();
      assert.equal([...new Float32Array(v.body.buffer.slice(v.body.byteOffset, v.body.byteOffset + v.body.length))], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const across = await c.readResponse();
      assert.ok(across.body.equals(bigBytes.subarray(1048570, 1048590)), 'a range across the first 1 MiB chunk');
      assert.is((await c.readResponse()).status, 204);
      assert.is((await c.readResponse()).status, 304);
      assert.is(c.pending, 0, 'nothing more');
    }),
  );
  // A large body counts as finished once its last chunk is flushed, which may be after the small ones behind it.
  assert.equal(
    seen.map((f) => `${f.method} ${f.status} ${f.aborted}`).sort(),
    ['GET 200 false', 'GET 200 false', 'GET 206 false', 'GET 206 false', 'GET 304 false', 'HEAD 200 false', 'OPTIONS 204 false'],
  );
});

test('pipelined: lane requests then non-lane ones in the same packet, also behind a large body', async () => {
  await withConnection(lane, async (c) => {
    await c.write(req('GET', BLOB, 'Range: bytes=0-3') + req('GET', '/other') + post('after') + req('GET', BLOB, 'Range: bytes=4-7'));
    assert.ok((await c.readResponse()).body.equals(fx.blob.bytes.subarray(0, 4)));
    assert.is((await c.readResponse()).body.toString(), 'other');
    assert.is((await c.readResponse()).body.toString(), 'echo:after');
    assert.ok((await c.readResponse()).body.equals(fx.blob.bytes.subarray(4, 8)));
  });
  // The POST waits, unread, while the large body is written; then node:http gets it whole.
  await withConnection(lane, async (c) => {
    await c.write(req('GET', BIG) + post('x'.repeat(3000)) + req('GET', BLOB, 'Range: bytes=0-0'));
    assert.ok((await c.readResponse()).body.equals(bigBytes));
    assert.is((await c.readResponse()).body.toString(), `echo:${'x'.repeat(3000)}`);
    assert.ok((await c.readResponse()).body.equals(fx.blob.bytes.subarray(0, 1)));
  });
});

test('the lane reads through its shared buffer (no \'data\' listener); a 2 MiB POST handed over with its start read ahead gets to node:http whole', async () => {
  await withConnection(lane, async (c) => {
    await c.write(req('GET', BLOB, 'Range: bytes=0-3'));
    assert.ok((await c.readResponse()).body.equals(fx.blob.bytes.subarray(0, 4)));
    const socket = lane.sockets.at(-1)!;
    assert.ok(lane.lane!.holds(socket));
    assert.is(socket.listenerCount('data'), 0, 'reads come to the lane\'s callback, not as \'data\' events');

    // A lane request, then the head of a POST and the first bytes of its body in one packet; the rest of the body
    // (more than the socket's stream holds at once) in later writes, which node:http reads after the hand-off.
    const body = randomBytes(1024 * 1024).toString('hex');
    const text = req('GET', BLOB, 'Range: bytes=4-7') + post(body);
    const cut = text.indexOf('\r\n\r\n', text.indexOf('POST')) + 4 + 1000;
    await c.write(text.slice(0, cut));
    assert.ok((await c.readResponse()).body.equals(fx.blob.bytes.subarray(4, 8)));
    for (let at = cut; at < text.length; at += 256 * 1024) await c.write(text.slice(at, at + 256 * 1024));
    const echoed = await c.readResponse({ timeoutMs: 10_000 });
    assert.is(echoed.status, 200);
    assert.ok(echoed.body.toString('latin1') === `echo:${body}`, 'every byte of the body, in order');
    assert.not.ok(lane.lane!.holds(socket), 'handed to node:http');
    // And node:http goes on reading the connection.
    await c.write(req('GET', '/other'));
    assert.is((await c.readResponse()).body.toString(), 'other');
  });
});

test('a head written byte by byte; a pipelined one split at every few bytes', async () => {
  await withConnection(lane, async (c) => {
    await c.trickle(req('GET', BLOB, 'Range: bytes=5-9', 'If-Range: "' + fx.blob.record.cid + '"'));
    const res = await c.readResponse();
    assert.is(res.status, 206);
    assert.ok(res.body.equals(fx.blob.bytes.subarray(5, 10)));
    // A non-lane request trickled the same way reaches node:http whole.
    await c.trickle(req('GET', '/other'));
    assert.is((await c.readResponse()).body.toString(), 'other');
  });
  // Each time a whole request and the start of the next in one packet, the rest of it in another.
  const text = req('HEAD', BLOB, 'Range: bytes=0-0');
  await withConnection(lane, async (c) => {
    for (let cut = 1; cut < text.length; cut += 5) {
      await c.write(text + text.slice(0, cut));
      await sleep(2);
      await c.write(text.slice(cut));
      for (const which of ['first', 'second']) {
        const res = await c.readResponse({ method: 'HEAD' });
        assert.is(res.status, 206, `${which}, cut at ${cut}`);
        assert.is(res.headers['content-range'], `bytes 0-0/${fx.blob.bytes.length}`);
      }
    }
  });
});

test('Connection: close: the response says so and the server closes after it; what follows is not answered', async () => {
  for (const server of [lane, node]) {
    for (const [path, bytes] of [[BLOB, fx.blob.bytes], [BIG, bigBytes]] as const) {
      await withConnection(server, async (c) => {
        await c.write(req('GET', path, 'Connection: close') + req('GET', BLOB));
        const res = await c.readResponse();
        assert.is(res.status, 200);
        assert.ok(res.body.equals(bytes), 'the whole body before the close');
        assert.is(res.headers.connection, 'close');
        assert.is(res.headers['keep-alive'], undefined);
        await c.waitClosed();
        assert.is(c.pending, 0, 'the pipelined request after it was not answered');
      });
    }
  }
});

test('HEAD: the headers of the GET with Content-Length, no body; OPTIONS: a CORS preflight', async () => {
  await withConnection(lane, async (c) => {
    await c.write(req('HEAD', BLOB) + req('GET', BLOB, 'Range: bytes=0-1'));
    const head = await c.readResponse({ method: 'HEAD' });
    assert.is(head.status, 200);
    assert.is(head.headers['content-length'], String(fx.blob.bytes.length));
    assert.is(head.headers.etag, `"${fx.blob.record.cid}"`);
    // The next response starts right after the HEAD's head: no body bytes came between.
    assert.ok((await c.readResponse()).body.equals(fx.blob.bytes.subarray(0, 2)));

    await c.write(req('OPTIONS', BLOB, 'Origin: https://app.example', 'Access-Control-Request-Method: GET', 'Access-Control-Request-Headers: range'));
    const pre = await c.readResponse();
    assert.is(pre.status, 204);
    assert.is(pre.headers['access-control-allow-origin'], '*');
    assert.match(pre.headers['access-control-allow-methods']!, /GET/);
    assert.match(pre.headers['access-control-allow-headers']!, /Range/);
    assert.is(pre.body.length, 0);
  });
});

/** The head with its Date line taken out (the only part that may differ between two servers). */
const withoutDate = (head: string) => head.replace(/\r\nDate: [^\r]*/, '');

test('the lane answers download requests byte for byte as node:http does (Date aside)', async () => {
  const tensor = (name: string, query = '') => downloadPath({ kind: 'tensor', cid: fx.model.record.cid, name }) + query;
  const zarr = (key: string) => `/zarr/${fx.model.record.cid}/${key}`;
  const requests = [
    req('GET', BLOB),
    req('GET', BLOB, 'Range: bytes=0-99'),
    req('GET', BLOB, 'Range: bytes=-10'),
    req('GET', BLOB, 'Range: bytes=9990-'),
    req('GET', BLOB, 'Range: bytes=99999-'),
    req('GET', BLOB, 'Range: items=0-1'),
    req('GET', BLOB, `If-None-Match: W/"x", "${fx.blob.record.cid}"`),
    req('GET', BLOB, 'If-Match: "nope"'),
    req('GET', BLOB, 'Range: bytes=0-9', 'If-Range: "stale"'),
    req('HEAD', BLOB, 'Range: bytes=1-2'),
    req('OPTIONS', BLOB, 'Origin: https://app.example'),
    req('GET', tensor('w', '?slice=2:4,1:3')),
    req('GET', tensor('w', '?slice=::2,1&format=npy')),
    req('GET', tensor('v'), 'Range: bytes=4-7'),
    req('GET', tensor('nope')),
    req('GET', '/v1/blob/not-a-cid'),
    req('GET', '/v1/blob/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'),
    req('GET', tensor('w', '?slice=9:')),
    req('GET', '/v1/nothing'),
    // The Zarr view (zarr.ts): metadata keys, a chunk (whole, a range, HEAD), a nested array, refusals.
    req('GET', zarr('')),
    req('GET', zarr('.zgroup')),
    req('GET', zarr('.zmetadata')),
    req('GET', zarr('w/.zarray')),
    req('GET', zarr('w/0.0')),
    req('GET', zarr('w/0.0'), 'Range: bytes=100-199'),
    req('HEAD', zarr('w/0.0')),
    req('GET', zarr('enc/layer%200/k.%C3%A9/0')),
    req('GET', zarr('w/9.9')),
    req('GET', zarr('w/.zarray?x=1')),
    req('GET', `/zarr/s/1/kid/short/${fx.model.record.cid}/.zgroup`),
    req('GET', '/zarr/not-a-cid/.zgroup'),
  ];
  for (const text of requests) {
    const [fromLane, fromNode] = await fromBoth(text, (c, method) => c.readResponse({ method }));
    assert.is(withoutDate(fromLane!.head), withoutDate(fromNode!.head), text.split('\r\n')[0]);
    assert.ok(fromLane!.body.equals(fromNode!.body), text.split('\r\n')[0]);
  }
});

test('HTTP/1.0, a missing Host, malformed lines, large heads: answered as node:http answers them without the lane', async () => {
  const requests = [
    `GET ${BLOB} HTTP/1.0\r\nRange: bytes=0-1\r\n\r\n`,
    `GET ${BLOB} HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\nRange: bytes=0-1\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nRange: bytes=0-1\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nBad Header: 1\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\r\n folded\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\nHost: a\n\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc`,
    `GET ${BLOB} HTTP/2.0\r\nHost: a\r\n\r\n`,
    `GET ${BLOB}\x7f HTTP/1.1\r\nHost: a\r\n\r\n`,
    `BREW ${BLOB} HTTP/1.1\r\nHost: a\r\n\r\n`,
    `POST ${BLOB} HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    `GET ${BLOB} HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nRange: bytes=0-1\r\n\r\n`,
    req('GET', BLOB, `X-Pad: ${'p'.repeat(10 * 1024)}`, 'Range: bytes=0-1'), // 10 KiB: over the lane's limit, under node:http's
    req('GET', BLOB, `X-Pad: ${'p'.repeat(20 * 1024)}`), // over node:http's: 431
  ];
  for (const text of requests) {
    const [fromLane, fromNode] = await fromBoth(text, async (c, method) => {
      const res = await c.readResponse({ method, timeoutMs: 5000 });
      // Whether node:http then keeps the connection: the same with the lane.
      return { res, open: await c.staysOpen(30) };
    });
    const line = JSON.stringify(text.slice(0, 60));
    assert.is(fromLane!.res.statusLine, fromNode!.res.statusLine, line);
    assert.is(withoutDate(fromLane!.res.head), withoutDate(fromNode!.res.head), line);
    assert.ok(fromLane!.res.body.equals(fromNode!.res.body), line);
    assert.is(fromLane!.open, fromNode!.open, `${line}: kept open`);
  }
});

test('a head that never ends, sent 4 KiB at a time: 431 and a closed connection, as from node:http alone', async () => {
  const answers = await Promise.all([lane, node].map((server) => withConnection(server, async (c) => {
    c.write(`GET ${BLOB} HTTP/1.1\r\nHost: a\r\nX-Pad: `).catch(() => {});
    // Writes stop mattering once the server has answered and closed (they may then fail: a reset).
    for (let sent = 0; sent < 256 * 1024 && !c.closed; sent += 4096) {
      await c.write('p'.repeat(4096)).catch(() => {});
      await sleep(1);
    }
    const res = await c.readResponse({ timeoutMs: 5000 });
    await c.waitClosed(5000);
    return res;
  })));
  assert.is(answers[0]!.statusLine, answers[1]!.statusLine);
  assert.is(answers[0]!.status, 431);
  assert.is(withoutDate(answers[0]!.head), withoutDate(answers[1]!.head));
});

test('client half-close after two pipelined requests: both answered, then the server closes', async () => {
  for (const first of [req('GET', BLOB, 'Range: bytes=0-9'), req('GET', BIG)]) {
    await withConnection(lane, async (c) => {
      await c.write(first + req('HEAD', BLOB));
      c.end();
      const one = await c.readResponse();
      assert.ok(one.status === 206 || one.body.equals(bigBytes));
      assert.is((await c.readResponse({ method: 'HEAD' })).status, 200);
      await c.waitClosed();
      assert.is(c.pending, 0);
    });
  }
  // FIN while a large body is written, with a POST waiting behind it: the POST goes to node:http, which answers
  // it and then sees the FIN too.
  await withConnection(lane, async (c) => {
    await c.write(req('GET', BIG) + post('tail'));
    c.end();
    assert.ok((await c.readResponse()).body.equals(bigBytes));
    assert.is((await c.readResponse()).body.toString(), 'echo:tail');
    await c.waitClosed();
  });
  // A partial head then FIN: nothing to answer, the server closes.
  await withConnection(lane, async (c) => {
    await c.write('GET /v1/blob/x HTTP/1.1\r\nHo');
    c.end();
    await c.waitClosed();
    assert.is(c.pending, 0);
  });
});

test('the client disconnects mid-body of a large response: the observer says aborted, the server carries on', async () => {
  const seen = await observed(lane, async () => {
    const c = await RawConnection.open(lane.port);
    await c.write(req('GET', HUGE));
    await eventually(() => c.pending > 100_000, 'the first bytes of the body');
    c.destroy();
    await eventually(() => lane.finished.some((f) => f.url === HUGE && f.aborted), 'the observer to report the abort');
  });
  assert.equal(
    seen.map((f) => [f.method, f.url, f.status, f.aborted]),
    [['GET', HUGE, 200, true]],
  );
  await eventually(() => lane.lane!.connections === 0, 'the lane to let go of the connection');
  await withConnection(lane, async (c) => {
    await c.write(req('GET', HUGE, 'Range: bytes=-1000'));
    assert.ok((await c.readResponse()).body.equals(hugeBytes.subarray(-1000)));
  });
});

test('timeouts: an idle keep-alive connection closes after keepAliveTimeoutMs; a head trickling past headersTimeoutMs gets 408', async () => {
  const timed = await startServer(fx, { keepAliveTimeoutMs: 300, headersTimeoutMs: 600 });
  try {
    // Idle after a response.
    await withConnection(timed, async (c) => {
      await c.write(req('GET', BLOB, 'Range: bytes=0-0'));
      assert.is((await c.readResponse()).status, 206);
      const idleFrom = Date.now();
      // Timeouts are kept by a sweep every keepAliveTimeoutMs / 4 with the clock of the last sweep: coarse by that.
      assert.ok(await c.staysOpen(150), 'not long before the timeout');
      await c.waitClosed(2000);
      const idle = Date.now() - idleFrom;
      assert.ok(idle >= 200 && idle < 1500, `closed after ${idle} ms idle`);
      assert.is(c.pending, 0);
    });
    // Idle before any request.
    await withConnection(timed, async (c) => {
      await c.waitClosed(2000);
    });
    // A head that keeps coming, too slowly: each byte is activity, but the head as a whole is late.
    await withConnection(timed, async (c) => {
      const from = Date.now();
      const trickling = c.trickle(req('GET', BLOB, `X-Slow: ${'s'.repeat(40)}`), 1, 25).catch(() => {});
      const res = await c.readResponse({ timeoutMs: 3000 });
      assert.is(res.statusLine, 'HTTP/1.1 408 Request Timeout');
      assert.is(res.headers.connection, 'close');
      const took = Date.now() - from;
      assert.ok(took >= 500 && took < 2000, `408 after ${took} ms`);
      await c.waitClosed();
      await trickling;
    });
    // The same for a head that is not the lane's (a GraphQL POST): it is handed over only once whole, so its slow
    // head is cut on the lane's clock too, not node:http's 30-second checks.
    await withConnection(timed, async (c) => {
      const from = Date.now();
      const trickling = c.trickle(`POST /graphql HTTP/1.1\r\nHost: a\r\nX-Slow: ${'s'.repeat(40)}\r\n\r\n`, 1, 25).catch(() => {});
      const res = await c.readResponse({ timeoutMs: 3000 });
      assert.is(res.statusLine, 'HTTP/1.1 408 Request Timeout');
      const took = Date.now() - from;
      assert.ok(took >= 500 && took < 2000, `408 after ${took} ms`);
      await c.waitClosed();
      await trickling;
    });
    assert.equal(
      timed.finished.map((f) => f.status),
      [206],
      'neither timeout is a response the observer sees',
    );
  } finally {
    await timed.close();
  }
});

test('a response whose tail still waits in the socket buffer is not idle: a slow reader gets every byte past keepAliveTimeoutMs', async () => {
  const timed = await startServer(fx, { keepAliveTimeoutMs: 300 });
  try {
    const c = await RawConnection.open(timed.port);
    try {
      c.socket.pause(); // read nothing: what the kernel cannot take waits in the server's socket buffer
      await c.write(req('GET', BIG));
      await eventually(() => timed.finished.some((f) => f.url === BIG), 'the lane to hand the whole body to the socket');
      await sleep(1200); // four times keepAliveTimeoutMs, several sweeps, with the body in the server's buffers
      c.socket.resume();
      const res = await c.readResponse({ timeoutMs: 5000 });
      assert.is(res.status, 200);
      assert.ok(res.body.equals(bigBytes), `every byte (${res.body.length} of ${BIG_SIZE})`);
    } finally {
      c.destroy();
    }
  } finally {
    await timed.close();
  }
});

test('closeIdle(): idle connections close at once; one mid-response finishes its body, then closes', async () => {
  const shut = await startServer(fx);
  try {
    const idle = await RawConnection.open(shut.port);
    await idle.write(req('GET', BLOB, 'Range: bytes=0-0'));
    await idle.readResponse();
    const partial = await RawConnection.open(shut.port);
    await partial.write('GET /v1/blob/x HTTP/1.1\r\nHost'); // a head still arriving is between requests too
    const busy = await RawConnection.open(shut.port);
    // A huge body the client is slow to read, and a request pipelined behind it.
    await busy.write(req('GET', HUGE) + req('GET', BLOB, 'Range: bytes=0-0'));
    await eventually(() => busy.pending > 0, 'the first bytes of the body');
    busy.pause();
    await eventually(() => shut.lane!.connections === 3, 'three lane connections');

    shut.closing = true;
    shut.lane!.closeIdle();
    await idle.waitClosed(1000);
    await partial.waitClosed(1000);
    assert.is(idle.pending, 0);
    assert.is(partial.pending, 0);
    assert.not.ok(busy.closed, 'the busy connection is left to finish');

    busy.resume();
    const res = await busy.readResponse({ timeoutMs: 20_000 });
    assert.is(res.status, 200);
    assert.ok(res.body.equals(hugeBytes), 'the whole body');
    await busy.waitClosed();
    assert.is(busy.pending, 0, 'the request pipelined behind it is not answered');

    // While closing, a new connection's response carries Connection: close, and the connection closes after it.
    await withConnection(shut, async (c) => {
      await c.write(req('GET', BLOB, 'Range: bytes=0-0'));
      const last = await c.readResponse();
      assert.is(last.status, 206);
      assert.is(last.headers.connection, 'close');
      await c.waitClosed();
    });
    assert.equal(
      shut.finished.map((f) => [f.status, f.aborted]),
      [[206, false], [200, false], [206, false]],
    );
    assert.is(shut.lane!.connections, 0);
  } finally {
    await shut.close();
  }
});

test('observer: one started and one finished per lane response, with its method, url and status', async () => {
  const watched = await startServer(fx);
  try {
    const requests: Array<[string, string, string[], number]> = [
      ['GET', BLOB, [], 200],
      ['GET', BLOB, ['Range: bytes=0-1'], 206],
      ['GET', BLOB, [`If-None-Match: "${fx.blob.record.cid}"`], 304],
      ['GET', BLOB, ['If-Match: "x"'], 412],
      ['GET', BLOB, ['Range: bytes=99999-'], 416],
      ['GET', '/v1/blob/not-a-cid', [], 400],
      ['GET', '/v1/blob/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', [], 404],
      ['HEAD', BIG, [], 200],
      ['OPTIONS', BLOB, [], 204],
      ['GET', BIG, [], 200],
      // Zarr keys are the lane's too (a client reads them one after another).
      ['GET', `/zarr/${fx.model.record.cid}/w/0.0`, [], 200],
      ['HEAD', `/zarr/${fx.model.record.cid}/w/.zarray`, [], 200],
      ['GET', `/zarr/${fx.model.record.cid}/w/7.7`, [], 404],
    ];
    await withConnection(watched, async (c) => {
      for (const [method, path, lines, status] of requests) {
        await c.write(req(method, path, ...lines));
        assert.is((await c.readResponse({ method })).status, status, `${method} ${path} ${lines.join()}`);
      }
      // node:http's requests are not the lane's to count.
      await c.write(req('GET', '/other') + req('GET', BLOB));
      await c.readResponse();
      await c.readResponse();
    });
    await eventually(() => watched.finished.length === requests.length, 'every response to be finished');
    assert.is(watched.started, requests.length);
    assert.equal(
      watched.finished.map((f) => [f.method, f.url, f.status, f.aborted]),
      requests.map(([method, url, , status]) => [method, url, status, false]),
    );
    // timed: startedAt is performance.now() when the request was parsed.
    for (const f of watched.finished) assert.ok(f.startedAt > 0 && f.startedAt <= performance.now(), `startedAt ${f.startedAt}`);
  } finally {
    await watched.close();
  }
});

test('a failure of the lane itself (a header that would split the response): 500, connection closed, logged, server lives', async () => {
  const errors: unknown[] = [];
  const finished: Finished[] = [];
  const route = createDownloadRoute({ store: fx.store, reader: fx.reader, ring: newKeyRing, publicMode: true, logger: silentLogger });
  // A route whose answer carries a CR LF in a header value: responseHead refuses it.
  const broken = { ...route, reply: () => ({ status: 200, fixed: null, headers: ['X-Bad', 'a\r\nInjected: 1', 'Content-Length', '2'], body: Buffer.from('ok') }) };
  const server = createServer((_req, res) => res.end('node'));
  const lane = attachDownloadLane(server, {
    route: broken,
    keepAliveTimeoutMs: 5000,
    headersTimeoutMs: 60_000,
    closing: () => false,
    observer: { started: () => {}, finished: (info) => finished.push(info) },
    logger: { ...silentLogger, error: (_msg: string, fields?: Record<string, unknown>) => void errors.push(fields?.error) },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const c = await RawConnection.open((server.address() as AddressInfo).port);
    await c.write(req('GET', BLOB));
    const answer = await c.readResponse();
    assert.is(answer.status, 500);
    assert.not.match(answer.head, /Injected/);
    assert.is(JSON.parse(answer.body.toString()).error, 'INTERNAL');
    await c.waitClosed();
    assert.is(errors.length, 1);
    assert.equal(finished.map((f) => f.status), [500]);
    // The next connection is served (by the same broken route: the same clear 500).
    const again = await RawConnection.open((server.address() as AddressInfo).port);
    await again.write(req('GET', BLOB));
    assert.is((await again.readResponse()).status, 500);
    again.socket.destroy();
  } finally {
    lane!.closeAll();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Backpressure and the coarse clock

test('a client that pipelines small requests and never reads: the lane stops reading too, as node:http does', async () => {
  for (const server of [node, lane]) {
    await withConnection(server, async (c) => {
      c.pause();
      const one = req('GET', BLOB); // ~90 bytes asking for ~10 KB
      for (let i = 0; i < 40; i++) {
        await c.write(one.repeat(100));
        await sleep(5);
      }
      await sleep(300);
      // node:http pauses the socket once a response is waiting for the client: about one response is queued.
      const queued = server.sockets.at(-1)!.writableLength;
      assert.ok(queued < 1024 * 1024, `${server === lane ? 'lane' : 'node:http'}: ${queued} bytes queued in user space for 4000 unread responses`);
    });
  }
});

test('after a time with no connection, a new one is not closed as idle before keepAliveTimeoutMs', async () => {
  const timed = await startServer(fx, { keepAliveTimeoutMs: 1000 }); // sweeps every 250 ms
  try {
    await withConnection(timed, async (c) => {
      await c.write(req('GET', BLOB, 'Range: bytes=0-0'));
      await c.readResponse();
    });
    await sleep(1600); // no connection: the sweeps stop, and the lane's clock with them
    await withConnection(timed, async (c) => {
      // A client that takes a moment before its first request (a preconnect, a slow client).
      assert.ok(await c.staysOpen(600), 'closed long before keepAliveTimeoutMs');
    });
  } finally {
    await timed.close();
  }
});

test.run();
