// Response heads of the download lane (src/server/lane/response-head.ts): status lines, header lines checked as node:http
// checks them (a CR or LF in a value would split the response), Date as IMF-fixdate made once a second, and the
// Connection lines for keep-alive or close.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createServer, STATUS_CODES, validateHeaderName, validateHeaderValue } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { headerLines, httpDate, responseHead, statusLine } from '../../../src/server/lane/response-head.ts';

const KEEP = { keepAlive: true, keepAliveSeconds: 5 };
const CLOSE = { keepAlive: false, keepAliveSeconds: 5 };
// RFC 9110's example date: Sun, 06 Nov 1994 08:49:37 GMT.
const RFC_EXAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);

test('statusLine: HTTP/1.1, the code and node:http\'s reason phrase', () => {
  const cases: Array<[number, string]> = [
    [200, 'HTTP/1.1 200 OK\r\n'],
    [204, 'HTTP/1.1 204 No Content\r\n'],
    [206, 'HTTP/1.1 206 Partial Content\r\n'],
    [304, 'HTTP/1.1 304 Not Modified\r\n'],
    [400, 'HTTP/1.1 400 Bad Request\r\n'],
    [403, 'HTTP/1.1 403 Forbidden\r\n'],
    [404, 'HTTP/1.1 404 Not Found\r\n'],
    [405, 'HTTP/1.1 405 Method Not Allowed\r\n'],
    [412, 'HTTP/1.1 412 Precondition Failed\r\n'],
    [416, 'HTTP/1.1 416 Range Not Satisfiable\r\n'],
    [500, 'HTTP/1.1 500 Internal Server Error\r\n'],
    [503, 'HTTP/1.1 503 Service Unavailable\r\n'],
    [599, 'HTTP/1.1 599 unknown\r\n'],
  ];
  for (const [status, line] of cases) {
    assert.is(statusLine(status), line);
    assert.is(statusLine(status), line, 'the cached line is the same');
  }
  for (const status of Object.keys(STATUS_CODES).map(Number)) assert.is(statusLine(status), `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`);
});

test('statusLine: a status that is not a three-digit integer is a RangeError', () => {
  for (const status of [0, 99, 1000, 200.5, -200, Number.NaN, Infinity]) {
    assert.throws(() => statusLine(status), (error: unknown) => error instanceof RangeError, String(status));
  }
});

test('headerLines: `Name: value` lines; tabs and obs-text allowed in values', () => {
  assert.is(headerLines([]), '');
  assert.is(headerLines(['Content-Type', 'application/octet-stream', 'ETag', '"bafkrei"']), 'Content-Type: application/octet-stream\r\nETag: "bafkrei"\r\n');
  assert.is(headerLines(['X-A', '']), 'X-A: \r\n');
  assert.is(headerLines(['X-A', 'a\tb']), 'X-A: a\tb\r\n');
  assert.is(headerLines(['Content-Disposition', 'attachment; filename="caf\xe9.bin"']), 'Content-Disposition: attachment; filename="caf\xe9.bin"\r\n');
  assert.is(headerLines(["!#$%&'*+-.^_`|~09azAZ", 'v']), "!#$%&'*+-.^_`|~09azAZ: v\r\n");
});

test('headerLines: a name or value node:http would refuse is a TypeError (no response splitting)', () => {
  const badNames = ['', 'Bad Name', 'X:Y', 'X\r', 'X\n', 'X\0', 'caf\xe9', '"X"', 'X(1)', 'X\t'];
  for (const name of badNames) assert.throws(() => headerLines([name, 'v']), (error: unknown) => error instanceof TypeError && /invalid header name/.test((error as Error).message), JSON.stringify(name));
  const badValues = ['a\r\nSet-Cookie: x=1', 'a\r', 'a\n', 'a\0b', '\x7f', '\x01', '\x1f', '\u0100', '\u2028', 'caf\u00e9\ud83d'];
  for (const value of badValues) {
    assert.throws(() => headerLines(['X-Ok', 'fine', 'X-A', value]), (error: unknown) => error instanceof TypeError && /X-A/.test((error as Error).message), JSON.stringify(value));
  }
});

test('property: headerLines accepts exactly what node:http\'s validateHeaderName and validateHeaderValue accept', () => {
  const chars = fc.oneof(fc.constantFrom('a', 'Z', '-', ' ', '\t', ':', '"', '\r', '\n', '\0', '\x7f', '\x80', '\xe9', '\xff', '\u0100', '(', '~'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 8 }), fc.string({ unit: chars, maxLength: 12 }), (name, value) => {
      let nodeAccepts = true;
      try {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch {
        nodeAccepts = false;
      }
      let laneAccepts = true;
      try {
        assert.is(headerLines([name, value]), `${name}: ${value}\r\n`);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        laneAccepts = false;
      }
      assert.is(laneAccepts, nodeAccepts, `${JSON.stringify(name)}: ${JSON.stringify(value)}`);
    }),
    { numRuns: 5000 },
  );
});

test('responseHead: status, fixed lines, headers, Date, then keep-alive with its timeout', () => {
  const fixed = headerLines(['Content-Type', 'application/octet-stream', 'Accept-Ranges', 'bytes']);
  const head = responseHead(206, fixed, ['Content-Range', 'bytes 0-9/100', 'Content-Length', '10'], KEEP, RFC_EXAMPLE);
  assert.is(
    head,
    'HTTP/1.1 206 Partial Content\r\n' +
      'Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n' +
      'Content-Range: bytes 0-9/100\r\nContent-Length: 10\r\n' +
      'Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n' +
      'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n',
  );
  assert.ok(responseHead(200, '', [], { keepAlive: true, keepAliveSeconds: 65 }, RFC_EXAMPLE).includes('\r\nKeep-Alive: timeout=65\r\n'));
});

test('responseHead: close says Connection: close, without Keep-Alive', () => {
  const head = responseHead(404, '', ['Content-Length', '0'], CLOSE, RFC_EXAMPLE);
  assert.is(head, 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nConnection: close\r\n\r\n');
  assert.not.match(head, /Keep-Alive/i);
  // One blank line, at the end, whatever the headers.
  for (const connection of [KEEP, CLOSE]) {
    const h = responseHead(200, headerLines(['A', '1']), ['B', '2'], connection, RFC_EXAMPLE);
    assert.is(h.indexOf('\r\n\r\n'), h.length - 4);
  }
});

test('responseHead: byte for byte what node:http writes for the same status and headers', async () => {
  const headers = ['Content-Type', 'application/octet-stream', 'ETag', '"e"', 'Content-Length', '0'];
  const server = createServer({ keepAliveTimeout: 5000 }, (_req, res) => {
    res.writeHead(200, headers);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    for (const [connection, requestHeader] of [[KEEP, 'keep-alive'], [CLOSE, 'close']] as const) {
      const written = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        const timer = setTimeout(() => socket.destroy(new Error('no answer from node:http within 2 s')), 2000);
        socket.on('data', (chunk) => {
          text += chunk.toString('latin1');
          if (text.includes('\r\n\r\n')) {
            clearTimeout(timer);
            socket.destroy();
            resolve(text);
          }
        });
        socket.on('error', reject);
        socket.write(`GET / HTTP/1.1\r\nHost: a\r\nConnection: ${requestHeader}\r\n\r\n`);
      });
      const date = Date.parse(/\r\nDate: ([^\r]+)\r\n/.exec(written)![1]!);
      assert.is(responseHead(200, headerLines(headers.slice(0, 4)), headers.slice(4), connection, date), written);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('responseHead: CR, LF or NUL in a per-response value is a TypeError naming the header', () => {
  for (const value of ['bytes 0-1/2\r\nSet-Cookie: x=1', 'a\rb', 'a\nb', '\n', 'a\0']) {
    assert.throws(
      () => responseHead(200, '', ['Content-Length', '2', 'Content-Range', value], KEEP, RFC_EXAMPLE),
      (error: unknown) => error instanceof TypeError && /Content-Range/.test((error as Error).message),
      JSON.stringify(value),
    );
  }
  // Tabs and obs-text are fine (node:http lets them through too).
  assert.ok(responseHead(200, '', ['X-A', 'a\tb\xe9'], KEEP, RFC_EXAMPLE).includes('X-A: a\tb\xe9\r\n'));
});

test('responseHead: Date defaults to now', () => {
  const before = Math.floor(Date.now() / 1000);
  const date = /\r\nDate: ([^\r]+)\r\n/.exec(responseHead(200, '', [], KEEP))![1]!;
  const seconds = Date.parse(date) / 1000;
  assert.ok(seconds >= before && seconds <= Math.floor(Date.now() / 1000), date);
});

test('httpDate: IMF-fixdate', () => {
  assert.is(httpDate(0), 'Thu, 01 Jan 1970 00:00:00 GMT');
  assert.is(httpDate(RFC_EXAMPLE), 'Sun, 06 Nov 1994 08:49:37 GMT');
  assert.is(httpDate(Date.UTC(2024, 1, 29, 23, 59, 59, 999)), 'Thu, 29 Feb 2024 23:59:59 GMT');
  assert.is(httpDate(Date.UTC(2038, 0, 19, 3, 14, 8)), 'Tue, 19 Jan 2038 03:14:08 GMT', 'past 2^31 seconds');
  const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }), (ms) => {
      const date = httpDate(ms);
      assert.match(date, IMF_FIXDATE);
      assert.is(Date.parse(date), Math.floor(ms / 1000) * 1000);
    }),
    { numRuns: 2000 },
  );
});

test('httpDate: made once a second, never stale', () => {
  const second = Date.UTC(2025, 5, 1, 12, 0, 0);
  const text = httpDate(second);
  assert.is(httpDate(second + 999), text, 'the same second: the cached text');
  assert.is(httpDate(second + 1000), 'Sun, 01 Jun 2025 12:00:01 GMT', 'the next second: made anew');
  // Going back (another caller's clock, a test moving time) is answered right too.
  assert.is(httpDate(second + 500), text);
  assert.is(httpDate(second - 1), 'Sun, 01 Jun 2025 11:59:59 GMT');
  assert.is(httpDate(second), text);
});

test.run();
