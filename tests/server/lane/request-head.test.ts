// parseRequestHead (src/server/lane/request-head.ts): the download lane's own HTTP/1.1 head parser. Its rule is to be
// stricter than node:http, never looser: whatever it accepts, node:http must accept too and read the same method,
// url and header values. Tables of each handoff reason, incomplete heads and pipelining; then properties: parser
// invariants in process, and a differential against a real node:http server fed the very same bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../../helpers/hooks.ts';
import fc from 'fast-check';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { MAX_HEAD_BYTES, parseRequestHead, type HeadParse } from '../../../src/server/lane/request-head.ts';
import type { RequestHeaders } from '../../../src/http/request.ts';

/** A head: the request line, the header lines, CRLF after each and the blank line. */
const head = (requestLine: string, ...lines: string[]) => `${requestLine}\r\n${lines.map((line) => `${line}\r\n`).join('')}\r\n`;
/** A lane request: GET of a /v1 path with a Host, and the lines given (/zarr paths are the lane's too). */
const get = (...lines: string[]) => head('GET /v1/blob/x HTTP/1.1', 'Host: a', ...lines);

const NO_HEADERS: RequestHeaders = { range: undefined, ifRange: undefined, ifMatch: undefined, ifNoneMatch: undefined };

function request(text: string): Extract<HeadParse, { kind: 'request' }> {
  const parsed = parseRequestHead(text);
  if (parsed.kind !== 'request') throw new assert.Assertion({ message: `expected a lane request, got ${parsed.kind} for ${JSON.stringify(text)}`, operator: 'request', actual: parsed.kind, expects: 'request' });
  return parsed;
}

const kind = (text: string) => parseRequestHead(text).kind;

// ---------------------------------------------------------------------------------------------------------------
// Tables

test('a lane request: method, url, length and the headers the route reads', () => {
  for (const method of ['GET', 'HEAD', 'OPTIONS']) {
    for (const url of ['/v1', '/v1/', '/v1?x=1', '/v1/blob/bafkrei?exp=1&kid=k&sig=a-b_c', "/v1/tensor/c/enc%2Flayer%200/k.%C3%A9?slice=0:2,::-1&format=npy", "/v1/a-._~!$&'()*+,;=:@/?%", '/zarr', '/zarr/', '/zarr/bafkrei/w/0.0', '/zarr/s/1/k/sig_-/bafkrei/enc%2Fk/.zarray', '/zarr?x=1', '/ipfs', '/ipfs/', '/ipfs?x=1', '/ipfs/bafybei?format=car&dag-scope=entity&entity-bytes=0:*']) {
      const text = head(`${method} ${url} HTTP/1.1`, 'Host: 127.0.0.1:8080', 'User-Agent: curl/8', 'Accept: */*');
      const parsed = request(text);
      assert.equal(parsed.request, { method, url, headers: { ...NO_HEADERS, accept: '*/*' } });
      assert.is(parsed.length, text.length);
      assert.is(parsed.close, false);
    }
  }
  const parsed = request(get('Range: bytes=0-9', 'If-Range: "e"', 'If-Match: "m"', 'If-None-Match: "n"', 'Content-Length: 0', 'Connection: keep-alive'));
  assert.equal(parsed.request.headers, { range: 'bytes=0-9', ifRange: '"e"', ifMatch: '"m"', ifNoneMatch: '"n"' });
});

test('header names in any case', () => {
  const parsed = request(head('HEAD /v1/x HTTP/1.1', 'hOsT: a', 'RANGE: bytes=1-2', 'if-none-MATCH: "n"', 'If-match: "m"', 'IF-RANGE: "r"', 'CONNECTION: CLOSE', 'content-LENGTH: 0'));
  assert.equal(parsed.request.headers, { range: 'bytes=1-2', ifRange: '"r"', ifMatch: '"m"', ifNoneMatch: '"n"' });
  assert.is(parsed.close, true);
  assert.is(kind(head('GET /v1/x HTTP/1.1', 'HOST: a', 'TRANSFER-ENCODING: chunked')), 'handoff');
  assert.is(kind(head('GET /v1/x HTTP/1.1', 'host: a', 'uPgRaDe: h2c')), 'handoff');
});

test('values: spaces and tabs around them dropped, inside kept; Range the first, the others joined with ", "', () => {
  const cases: Array<[string[], Partial<RequestHeaders>]> = [
    [['Range:bytes=0-1'], { range: 'bytes=0-1' }],
    [['Range: \t bytes=0-1 \t '], { range: 'bytes=0-1' }],
    [['Range: bytes = 0 - 1'], { range: 'bytes = 0 - 1' }],
    [['Range: bytes=0-\t1'], { range: 'bytes=0-\t1' }],
    [['Range:'], { range: '' }],
    [['Range: \t '], { range: '' }],
    [['Range: bytes=0-1', 'Range: bytes=5-6'], { range: 'bytes=0-1' }], // the first, as nginx reads it
    [['Range:', 'Range: bytes=5-6'], { range: '' }],
    [['If-None-Match: "a"', 'If-None-Match: "b" '], { ifNoneMatch: '"a", "b"' }],
    [['If-None-Match: "a", "b"', 'if-none-match: W/"c"', 'IF-NONE-MATCH: *'], { ifNoneMatch: '"a", "b", W/"c", *' }],
    [['If-Match:', 'If-Match: "b"'], { ifMatch: ', "b"' }], // as Node joins an empty one
    [['If-Range: "a"', 'If-Range: "b"'], { ifRange: '"a", "b"' }],
    [['If-Range: \x80caf\xe9 \xff'], { ifRange: '\x80caf\xe9 \xff' }], // obs-text, as latin1 characters
    [['X-Range: bytes=0-1', 'Ranges: bytes=0-1', 'If-Match-X: "a"'], {}],
  ];
  for (const [lines, expected] of cases) {
    assert.equal(request(get(...lines)).request.headers, { ...NO_HEADERS, ...expected }, JSON.stringify(lines));
  }
});

test('Connection: one keep-alive or close per line, any case; close wins; lists go to node:http', () => {
  const cases: Array<[string[], boolean]> = [
    [[], false],
    [['Connection: keep-alive'], false],
    [['Connection: Keep-Alive'], false],
    [['Connection: close'], true],
    [['Connection:CLOSE'], true],
    [['Connection: keep-alive', 'Connection: close'], true],
    [['Connection: close', 'Connection: keep-alive'], true],
  ];
  for (const [lines, close] of cases) assert.is(request(get(...lines)).close, close, JSON.stringify(lines));
  for (const line of ['Connection: keep-alive, close', 'Connection: close ,\tkeep-alive', 'Connection: TE', 'Connection:']) assert.is(kind(get(line)), 'handoff', line);
});

test('handoff: each thing that is not plainly a download request goes to node:http', () => {
  const cases: Array<[string, string]> = [
    // methods
    ['POST', head('POST /v1/blob/x HTTP/1.1', 'Host: a', 'Content-Length: 0')],
    ['PUT', head('PUT /v1/x HTTP/1.1', 'Host: a')],
    ['DELETE', head('DELETE /v1/x HTTP/1.1', 'Host: a')],
    ['CONNECT', head('CONNECT a:443 HTTP/1.1', 'Host: a')],
    ['lower-case get', head('get /v1/x HTTP/1.1', 'Host: a')],
    ['GETX', head('GETX /v1/x HTTP/1.1', 'Host: a')],
    // paths
    ['/', head('GET / HTTP/1.1', 'Host: a')],
    ['/graphql', head('GET /graphql?query=%7B__typename%7D HTTP/1.1', 'Host: a')],
    ['/v10', head('GET /v10/x HTTP/1.1', 'Host: a')],
    ['/v1x', head('GET /v1x HTTP/1.1', 'Host: a')],
    ['/V1', head('GET /V1/x HTTP/1.1', 'Host: a')],
    ['/zarrx', head('GET /zarrx/x HTTP/1.1', 'Host: a')],
    ['/Zarr', head('GET /Zarr/x HTTP/1.1', 'Host: a')],
    ['/zarr;', head('GET /zarr;x HTTP/1.1', 'Host: a')],
    ['/ipfsx', head('GET /ipfsx/x HTTP/1.1', 'Host: a')],
    ['/IPFS', head('GET /IPFS/x HTTP/1.1', 'Host: a')],
    ['/ipns', head('GET /ipns/x HTTP/1.1', 'Host: a')],
    ['POST /zarr', head('POST /zarr/x HTTP/1.1', 'Host: a', 'Content-Length: 0')],
    ['/v1;', head('GET /v1;x HTTP/1.1', 'Host: a')],
    ['absolute form', head('GET http://a/v1/x HTTP/1.1', 'Host: a')],
    ['asterisk', head('OPTIONS * HTTP/1.1', 'Host: a')],
    ['space in target', head('GET /v1/a b HTTP/1.1', 'Host: a')],
    ['fragment', head('GET /v1/x#f HTTP/1.1', 'Host: a')],
    ['quote in target', head('GET /v1/"x" HTTP/1.1', 'Host: a')],
    ['obs-text in target', head('GET /v1/caf\xe9 HTTP/1.1', 'Host: a')],
    ['NUL in target', head('GET /v1/\0 HTTP/1.1', 'Host: a')],
    ['two spaces', head('GET  /v1/x HTTP/1.1', 'Host: a')],
    ['tab separator', head('GET\t/v1/x HTTP/1.1', 'Host: a')],
    // versions
    ['HTTP/1.0', head('GET /v1/x HTTP/1.0', 'Host: a')],
    ['HTTP/1.0 keep-alive', head('GET /v1/x HTTP/1.0', 'Host: a', 'Connection: keep-alive')],
    ['HTTP/2.0', head('GET /v1/x HTTP/2.0', 'Host: a')],
    ['http/1.1', head('GET /v1/x http/1.1', 'Host: a')],
    ['HTTP/1.1 trailing space', head('GET /v1/x HTTP/1.1 ', 'Host: a')],
    ['no version', head('GET /v1/x', 'Host: a')],
    // bodies
    ['Content-Length: 5', get('Content-Length: 5')],
    ['Content-Length: 00', get('Content-Length: 00')],
    ['Content-Length: +0', get('Content-Length: +0')],
    ['Content-Length empty', get('Content-Length:')],
    ['Transfer-Encoding: chunked', get('Transfer-Encoding: chunked')],
    ['Transfer-Encoding: identity', get('Transfer-Encoding: identity')],
    ['both', get('Content-Length: 0', 'Transfer-Encoding: chunked')],
    // protocol switches and expectations
    ['Upgrade', get('Connection: Upgrade', 'Upgrade: websocket')],
    ['Upgrade alone', get('Upgrade: h2c')],
    ['Expect', get('Expect: 100-continue')],
    // unusual Connection values
    ['Connection: upgrade', get('Connection: upgrade')],
    ['Connection: TE', get('Connection: TE')],
    ['Connection empty', get('Connection:')],
    ['Connection: close,', get('Connection: close,')],
    ['Connection: close, x-foo', get('Connection: close, x-foo')],
    ['Connection: keepalive', get('Connection: keepalive')],
    // Host
    ['no Host', head('GET /v1/x HTTP/1.1', 'Range: bytes=0-1')],
    ['no headers at all', head('GET /v1/x HTTP/1.1')],
    ['X-Host is not Host', head('GET /v1/x HTTP/1.1', 'X-Host: a')],
    // malformed header lines
    ['space before colon', head('GET /v1/x HTTP/1.1', 'Host : a')],
    ['space in name', head('GET /v1/x HTTP/1.1', 'Host: a', 'X Y: 1')],
    ['empty name', get(': value')],
    ['no colon', get('Range')],
    ['obs-fold', get('Range: bytes=0-1', ' 2')],
    ['tab obs-fold', get('X-A: 1', '\t2')],
    ['NUL in value', get('Range: bytes=0\0-1')],
    ['DEL in value', get('X-A: a\x7fb')],
    ['control char in value', get('X-A: a\x01b')],
    ['vertical tab in value', get('X-A: a\x0bb')],
    ['CR inside a value', get('X-A: a\rb')],
    ['obs-text in name', get('X-\xe9: 1')],
    ['quote in name', get('X-"A": 1')],
    // line endings
    ['bare LF ending a header', 'GET /v1/x HTTP/1.1\r\nHost: a\nRange: bytes=0-1\r\n\r\n'],
    ['bare LF ending the request line', 'GET /v1/x HTTP/1.1\nHost: a\r\n\r\n'],
    ['LF LF ending the head', 'GET /v1/x HTTP/1.1\nHost: a\n\n'],
    ['CRLF LF ending the head', 'GET /v1/x HTTP/1.1\r\nHost: a\r\n\n'],
    ['leading CRLF', `\r\n${get()}`],
    // size
    ['head over MAX_HEAD_BYTES', get(`X-Pad: ${'p'.repeat(MAX_HEAD_BYTES)}`)],
    ['incomplete head over MAX_HEAD_BYTES', `GET /v1/x HTTP/1.1\r\nHost: a\r\nX-Pad: ${'p'.repeat(MAX_HEAD_BYTES)}`],
    ['request line over MAX_HEAD_BYTES', `GET /v1/${'p'.repeat(MAX_HEAD_BYTES)}`],
  ];
  for (const [name, text] of cases) assert.is(kind(text), 'handoff', name);
});

test('MAX_HEAD_BYTES: a head of exactly that size is the lane\'s, one byte more is not', () => {
  const base = get('X-Pad: ');
  const exact = get(`X-Pad: ${'p'.repeat(MAX_HEAD_BYTES - base.length)}`);
  assert.is(exact.length, MAX_HEAD_BYTES);
  assert.is(request(exact).length, MAX_HEAD_BYTES);
  assert.is(kind(get(`X-Pad: ${'p'.repeat(MAX_HEAD_BYTES - base.length + 1)}`)), 'handoff');
  // Still incomplete at MAX_HEAD_BYTES bytes; handed over past it.
  assert.is(kind(exact.slice(0, MAX_HEAD_BYTES - 1)), 'incomplete');
  assert.is(kind(`${exact.slice(0, -2)}pp`), 'incomplete');
  assert.is(kind(`${exact.slice(0, -2)}ppp`), 'handoff');
});

test('incomplete: a head still arriving, including a non-lane request line not yet ended', () => {
  for (const text of ['', 'G', 'GET', 'GET /v1', 'GET /v1/x HTTP/1.1', 'GET /v1/x HTTP/1.1\r', 'GET /v1/x HTTP/1.1\r\n', 'GET /v1/x HTTP/1.1\r\nHost: a', 'GET /v1/x HTTP/1.1\r\nHost: a\r\n', 'GET /v1/x HTTP/1.1\r\nHost: a\r\n\r', 'POST /graphql', 'POST /graphql HTTP/1.1\r']) {
    assert.is(kind(text), 'incomplete', JSON.stringify(text));
  }
  // A head that is not the lane's waits for its end too, so the lane's head timeout covers it (a slow head is cut
  // in 10 s, not in node:http's 40); then it is handed over whole, however its lines end.
  for (const text of ['POST /graphql HTTP/1.1\r\n', 'GET /v1/x HTTP/1.0\r\n', 'GET /v1/x HTTP/1.1\nHost', 'POST /graphql HTTP/1.1\r\nHost: a\r\n', 'garbage\r\n']) {
    assert.is(kind(text), 'incomplete', JSON.stringify(text));
  }
  for (const text of ['POST /graphql HTTP/1.1\r\nHost: a\r\n\r\n', 'GET /v1/x HTTP/1.1\nHost: a\n\n', 'GET /v1/x HTTP/1.1\r\nHost: a\n\r\n', 'garbage\r\n\r\n']) {
    assert.is(kind(text), 'handoff', JSON.stringify(text));
  }
});

test('a head split at every byte offset: incomplete, then the same request', () => {
  const heads = [
    get('Range: bytes=0-9', 'If-None-Match: "a"', 'If-None-Match: "b"', 'Connection: close'),
    head('OPTIONS /v1/tensor/c/w?slice=::2 HTTP/1.1', 'Host: a', 'Origin: https://x', 'Access-Control-Request-Method: GET', 'X-Obs: \x80\xff'),
    head('HEAD /v1 HTTP/1.1', 'Host:'),
  ];
  for (const text of heads) {
    const whole = request(text);
    for (let cut = 0; cut < text.length; cut++) assert.is(kind(text.slice(0, cut)), 'incomplete', `cut at ${cut} of ${JSON.stringify(text)}`);
    // And the same result whatever follows it.
    assert.equal(request(`${text}GET /v1/next`), whole);
  }
});

test('pipelined requests: length is exact, so the next head starts right after', () => {
  const first = get('Range: bytes=0-0');
  const second = head('HEAD /v1/b HTTP/1.1', 'Host: a', 'If-Match: "m"');
  const third = head('OPTIONS /v1/c HTTP/1.1', 'Host: a', 'Connection: close');
  const post = 'POST /graphql HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}';
  let rest = first + second + third + post + first.slice(0, 10);
  const seen: string[] = [];
  for (const expected of [first, second, third]) {
    const parsed = request(rest);
    assert.is(parsed.length, expected.length);
    seen.push(`${parsed.request.method} ${parsed.request.url}`);
    rest = rest.slice(parsed.length);
  }
  assert.equal(seen, ['GET /v1/blob/x', 'HEAD /v1/b', 'OPTIONS /v1/c']);
  assert.is(kind(rest), 'handoff', 'the POST after them');
  // A lane request right behind a body-less one, the second still partial.
  const pair = request(first + first.slice(0, 20));
  assert.is(pair.length, first.length);
  assert.is(kind(first.slice(0, 20)), 'incomplete');
});

// ---------------------------------------------------------------------------------------------------------------
// Generated heads: lane requests and mutations of them

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PATH_CHARS = "-._~!$&'()*+,;=:@/?%azAZ09";
const ODD = ['\t', ' ', '\0', '\r', '\n', '\x01', '\x0b', '\x1f', '\x7f', '\x80', '\xa0', '\xe9', '\xff', '"', '#', '<', '\\', '{', ','];

/** Upper- and lower-cases the letters of `name` by the bits of `seed`. */
const mixCase = (name: string, seed: number) => [...name].map((c, i) => ((seed >> i % 30) & 1 ? c.toUpperCase() : c.toLowerCase())).join('');

const methodArb = fc.oneof(
  { weight: 14, arbitrary: fc.constantFrom('GET', 'GET', 'HEAD', 'OPTIONS') },
  { weight: 1, arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'get', 'Get', 'GETS', 'HEA', 'OPTION') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 7 }) },
);
const laneTargetArb = fc.tuple(fc.constantFrom('/v1/blob/', '/v1/tensor/c/w', '/v1', '/v1/', '/v1?', '/zarr/', '/zarr/s/1/k/', '/ipfs/', '/ipfs/bafy?format='), fc.string({ unit: fc.constantFrom(...PATH_CHARS), maxLength: 30 })).map(([a, b]) => a + b);
const targetArb = fc.oneof(
  { weight: 12, arbitrary: laneTargetArb },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('/v1/', '/v1?s='), fc.string({ unit: fc.constantFrom(...PATH_CHARS, ...ODD), maxLength: 12 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.constantFrom('/', '/graphql', '/v10', '/v2/x', '/V1/x', '*', 'http://a/v1/x', '//v1', 'v1/x', '/v1#', '/v1;x', '/zarrs', '/zarr#', '/ipfss', '/ipfs#', '') },
);
const versionArb = fc.oneof(
  { weight: 14, arbitrary: fc.constant('HTTP/1.1') },
  { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'http/1.1', 'HTTP/1.1 ', 'HTTP/1.2', 'HTTP/1.10', 'HTTP/11', 'HTTP/1.1\t') },
);
// Header lines a lane request may carry (any case), and wild ones: any name, separator and value.
const visibleArb = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 24 });
const plainLineArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Range', 'If-Match', 'If-None-Match', 'If-Range', 'Accept', 'User-Agent', 'Origin', 'Cookie'), fc.nat(), visibleArb) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('Range', 'If-Range'), fc.nat(), fc.constantFrom('bytes=0-1', ' bytes=5-', 'bytes=-3 ', 'bytes=0-0,2-3', '"a"', 'W/"b"')) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('If-Match', 'If-None-Match'), fc.nat(), fc.constantFrom('"a"', 'W/"b"', '*', '"a", "b"', '', ' "c" ')) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('Connection'), fc.nat(), fc.constantFrom('close', 'keep-alive', 'Keep-Alive', 'CLOSE', 'close, keep-alive', ' close ', 'keep-alive,\tclose')) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('Content-Length'), fc.nat(), fc.constantFrom('0', ' 0 ', '0\t')) },
  { weight: 2, arbitrary: fc.tuple(fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 }), fc.constant(0), fc.string({ unit: fc.constantFrom(' ', '\t', 'a', ',', '"', '\x80', '\xa0', '\xe9', '\xff'), maxLength: 10 })) },
).map(([name, seed, value]) => `${seed % 3 === 0 ? name : mixCase(name, seed)}: ${value}`);
const KNOWN_NAMES = ['Host', 'Range', 'If-Match', 'If-None-Match', 'If-Range', 'Connection', 'Content-Length', 'Transfer-Encoding', 'Upgrade', 'Expect', 'Accept', 'Keep-Alive', 'Proxy-Connection', 'TE', 'Trailer'];
const nameArb = fc.oneof(
  { weight: 10, arbitrary: fc.tuple(fc.constantFrom(...KNOWN_NAMES), fc.nat()).map(([name, seed]) => (seed % 3 === 0 ? name : mixCase(name, seed))) },
  { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('Host ', ' Host', 'Ho st', 'Host\t', '', 'X-\x80', 'X\0', 'Range\r', '"A"', 'X:Y') },
);
const valueArb = fc.oneof(
  { weight: 4, arbitrary: visibleArb },
  { weight: 3, arbitrary: fc.constantFrom('close', 'keep-alive', 'Keep-Alive', 'CLOSE', 'close, keep-alive', 'upgrade', ' close ', 'te', ',', 'close,', 'close\xa0', '0', '00', '1', ' 0 ', '0\t', '+0', '-0', '0, 0', '100-continue', 'chunked', 'h2c', '127.0.0.1:8080') },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(' ', '\t', 'a', ',', '"', '=', '\x80', '\xa0', '\xe9', '\xff'), maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...ODD, 'a', 'b'), maxLength: 6 }) },
);
const separatorArb = fc.oneof({ weight: 8, arbitrary: fc.constant(': ') }, { weight: 2, arbitrary: fc.constantFrom(':', ':  ', ':\t', ': \t ') }, { weight: 1, arbitrary: fc.constantFrom(' :', '\t:', '', ' ') });

/** `arbitrary` once in `odds`, else null (or the reverse: null once in `odds`). */
const maybe = <T>(arbitrary: fc.Arbitrary<T>, odds: number, mostly = false) =>
  fc.oneof({ weight: mostly ? 1 : odds - 1, arbitrary: fc.constant(null) }, { weight: mostly ? odds - 1 : 1, arbitrary });
const hostArb = fc.tuple(fc.constantFrom('Host', 'host', 'HOST'), fc.constantFrom('a', '127.0.0.1:8080', '', 'x.example'));

interface Generated {
  text: string;
  /** How it was made, for reading a failure. */
  parts: unknown;
}

/** Heads made of lane-like parts; `mutated`: with the odd method, target, version, line or byte thrown in. */
const headsArb = (mutated: boolean): fc.Arbitrary<Generated> =>
  fc
    .record({
      method: mutated ? methodArb : fc.constantFrom('GET', 'HEAD', 'OPTIONS'),
      target: mutated ? targetArb : laneTargetArb,
      version: mutated ? versionArb : fc.constant('HTTP/1.1'),
      headers: fc.array(plainLineArb, { maxLength: 7 }),
      wild: mutated ? fc.array(fc.tuple(nameArb, separatorArb, valueArb), { minLength: 1, maxLength: 2 }) : fc.constant([]),
      wildAt: fc.nat(),
      host: mutated ? maybe(hostArb, 10, true) : hostArb,
      hostAt: fc.nat(),
      duplicate: maybe(fc.nat(), 4),
      // Many tiny header lines: node:http keeps only the first ~1000.
      padding: mutated ? fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1200 }) }) : fc.constant(0),
      // One character put anywhere (a CR, LF or NUL injection, a stray space...), or one CRLF made a bare LF.
      inject: mutated ? maybe(fc.tuple(fc.nat(), fc.constantFrom(...ODD)), 3) : fc.constant(null),
      bareLf: mutated ? maybe(fc.nat(), 6) : fc.constant(null),
      // What follows the head on the wire: nothing, the next request, or anything.
      after: fc.oneof(fc.constant(''), fc.constant('GET /v1/next HTTP/1.1\r\nHost: a\r\n\r\n'), fc.constant('POST /x HTTP/1.1\r\n'), fc.string({ unit: 'binary-ascii', maxLength: 20 })),
    })
    .map((parts) => {
      const lines = [...parts.headers];
      for (const [name, separator, value] of parts.wild) lines.splice(parts.wildAt % (lines.length + 1), 0, `${name}${separator}${value}`);
      if (parts.duplicate !== null && lines.length > 0) {
        const at = parts.duplicate % lines.length;
        lines.splice(at, 0, lines[at]!);
      }
      if (parts.host) lines.splice(parts.hostAt % (lines.length + 1), 0, `${parts.host[0]}: ${parts.host[1]}`);
      if (parts.padding > 0) lines.splice(parts.hostAt % (lines.length + 1), 0, ...Array<string>(parts.padding).fill('a:'));
      let text = head(`${parts.method} ${parts.target} ${parts.version}`, ...lines);
      if (parts.bareLf !== null) {
        const crlfs = [...text.matchAll(/\r\n/g)].map((m) => m.index!);
        const at = crlfs[parts.bareLf % crlfs.length]!;
        text = text.slice(0, at) + text.slice(at + 1);
      }
      if (parts.inject !== null) {
        const at = parts.inject[0] % (text.length + 1);
        text = text.slice(0, at) + parts.inject[1] + text.slice(at);
      }
      return { text: text + parts.after, parts };
    });
const headArb = fc.oneof(headsArb(false), headsArb(true));

/** Any bytes at all, as latin1. */
const bytesArb: fc.Arbitrary<Generated> = fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 80 }), fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1'))).map((text) => ({ text, parts: 'bytes' }));

// ---------------------------------------------------------------------------------------------------------------
// Invariants, in process

/** What a plain reading of the head gives (lines split on CRLF, values trimmed of spaces and tabs): a second opinion. */
function modelRead(head: string): { method: string; url: string; headers: RequestHeaders; close: boolean } {
  const [requestLine, ...lines] = head.slice(0, -4).split('\r\n');
  const [method, url] = requestLine!.split(' ');
  const headers: RequestHeaders = { ...NO_HEADERS };
  let close = false;
  const join = (before: string | undefined, value: string) => (before === undefined ? value : `${before}, ${value}`);
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
    if (name === 'range') headers.range ??= value;
    else if (name === 'if-match') headers.ifMatch = join(headers.ifMatch, value);
    else if (name === 'if-none-match') headers.ifNoneMatch = join(headers.ifNoneMatch, value);
    else if (name === 'if-range') headers.ifRange = join(headers.ifRange, value);
    else if (name === 'accept') headers.accept = join(headers.accept, value);
    else if (name === 'connection' && value.split(',').some((token) => token.replace(/^[ \t]+|[ \t]+$/g, '').toLowerCase() === 'close')) close = true;
  }
  return { method: method!, url: url!, headers, close };
}

test('property: never throws; a request is the head up to its first CRLF CRLF, read as a plain reading reads it', () => {
  let requests = 0;
  fc.assert(
    fc.property(fc.oneof({ weight: 4, arbitrary: headArb }, { weight: 1, arbitrary: bytesArb }), fc.nat(), fc.string({ unit: 'binary', maxLength: 30 }), ({ text }, cutSeed, more) => {
      const parsed = parseRequestHead(text);
      if (parsed.kind === 'handoff') {
        // Final: more bytes never make it the lane's.
        assert.is(kind(text + more), 'handoff');
        return;
      }
      if (parsed.kind === 'incomplete') {
        assert.not.ok(text.includes('\r\n\r\n'), 'a whole head is never incomplete');
        assert.ok(text.length <= MAX_HEAD_BYTES);
        return;
      }
      requests++;
      assert.is(parsed.length, text.indexOf('\r\n\r\n') + 4);
      assert.ok(parsed.length <= MAX_HEAD_BYTES);
      const head = text.slice(0, parsed.length);
      const model = modelRead(head);
      assert.equal({ ...parsed.request, close: parsed.close }, model);
      // The same whatever follows; and any shorter prefix is incomplete.
      assert.equal(parseRequestHead(head), parsed);
      assert.equal(parseRequestHead(head + more), parsed);
      assert.is(kind(head.slice(0, cutSeed % parsed.length)), 'incomplete');
    }),
    { numRuns: 20_000, includeErrorInReport: true },
  );
  assert.ok(requests > 4000, `only ${requests} generated heads were lane requests: the generator drifted`);
});

// ---------------------------------------------------------------------------------------------------------------
// Differential against node:http

interface NodeRead {
  method: string;
  url: string;
  rawHeaders: string[];
  keepAlive: boolean;
}

let server: Server;
let port: number;

beforeAll(test, async () => {
  // Answers with what node:http read (in a header, as HEAD has no body), then closes: one connection per case, so a
  // refusal (400, 505...) cannot leak into the next case.
  server = createServer((req, res) => {
    const read: NodeRead = { method: req.method!, url: req.url!, rawHeaders: req.rawHeaders, keepAlive: res.shouldKeepAlive };
    res.writeHead(200, { 'X-Read': Buffer.from(JSON.stringify(read)).toString('base64'), 'Content-Length': 0, Connection: 'close' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

test.after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Sends `bytes` on a new connection; the status node:http answered and, for a 200, what it read. */
function askNode(bytes: string): Promise<{ status: number; raw: string; read?: NodeRead }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`node:http did not answer ${JSON.stringify(bytes)} within 2 s`));
    }, 2000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset after a refusal: 'close' follows
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const raw = all.toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(raw)?.[1] ?? 0);
      try {
        const read = /\r\nX-Read: ([A-Za-z0-9+/=]+)\r\n/.exec(raw)?.[1];
        resolve({ status, raw: raw.slice(0, 200), read: read === undefined ? undefined : (JSON.parse(Buffer.from(read, 'base64').toString('utf8')) as NodeRead) });
      } catch (error) {
        reject(error);
      }
    });
    socket.write(bytes, 'latin1');
  });
}

/** The route's headers from node:http's rawHeaders, by the contract: Range the first; the conditionals joined. */
function headersFromRaw(raw: string[]): RequestHeaders {
  const headers: RequestHeaders = { ...NO_HEADERS };
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    const join = (before: string | undefined) => (before === undefined ? value : `${before}, ${value}`);
    if (name === 'range') headers.range ??= value;
    else if (name === 'if-match') headers.ifMatch = join(headers.ifMatch);
    else if (name === 'if-none-match') headers.ifNoneMatch = join(headers.ifNoneMatch);
    else if (name === 'if-range') headers.ifRange = join(headers.ifRange);
    else if (name === 'accept') headers.accept = join(headers.accept);
  }
  return headers;
}

test('differential: whatever the lane accepts, node:http accepts and reads the same way', async () => {
  let compared = 0;
  let handedOff = 0;
  await fc.assert(
    fc.asyncProperty(headArb, async ({ text }) => {
      const parsed = parseRequestHead(text);
      if (parsed.kind !== 'request') {
        handedOff++;
        return;
      }
      compared++;
      const answer = await askNode(text.slice(0, parsed.length));
      assert.is(answer.status, 200, `node:http refused what the lane accepted: ${answer.raw}`);
      const read = answer.read!;
      assert.is(parsed.request.method, read.method);
      assert.is(parsed.request.url, read.url);
      assert.equal(parsed.request.headers, headersFromRaw(read.rawHeaders));
      assert.is(parsed.close, !read.keepAlive, 'Connection: close read the same way');
    }),
    { numRuns: 800, includeErrorInReport: true },
  );
  assert.ok(compared > 250 && handedOff > 100, `compared ${compared}, handed off ${handedOff}: the generator drifted`);
});

test('node:http refuses or reads differently what the lane hands over for being malformed', async () => {
  // Not a rule of the lane, but a check that the handoff table above is about real refusals.
  for (const text of [get('X-A: a\x7fb'), get('Range: bytes=0\0-1'), get('Range: bytes=0-1', ' 2'), head('GET /v1/x HTTP/1.1', 'Host : a'), head('GET /v1/x HTTP/1.1')]) {
    assert.is(kind(text), 'handoff');
    assert.is((await askNode(text)).status, 400, JSON.stringify(text));
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Where node:http refuses or reads a head in ways the lane once did not follow: now each goes to node:http.

test('two Content-Length: 0 headers go to node:http, which answers 400', async () => {
  const text = get('Content-Length: 0', 'Content-Length: 0');
  assert.is((await askNode(text)).status, 400);
  assert.is(kind(text), 'handoff');
});

test('past MAX_HEADER_LINES header lines, node:http reads the head (it keeps ~1000 lines and drops the rest)', async () => {
  const noHost = `GET /v1/x HTTP/1.1\r\n${'a:\r\n'.repeat(1023)}Host: a\r\n\r\n`;
  assert.ok(noHost.length < MAX_HEAD_BYTES);
  assert.is((await askNode(noHost)).status, 400);
  assert.is(kind(noHost), 'handoff');
});

test('a tab after the Content-Length digits goes to node:http, which answers 400', async () => {
  const text = get('Content-Length: 0\t');
  assert.is((await askNode(text)).status, 400);
  assert.is(kind(text), 'handoff');
});

test('Proxy-Connection goes to node:http, which reads it as Connection', async () => {
  const text = get('Proxy-Connection: close');
  assert.is((await askNode(text)).read?.keepAlive, false);
  assert.is(kind(text), 'handoff');
});

test('Connection values other than one plain close or keep-alive go to node:http', async () => {
  for (const text of [get('Connection: close\t'), get('Connection: close\xa0'), get('Connection: \xa0close'), get('Connection: keep-alive, close\t, keep-alive')]) {
    assert.is((await askNode(text)).read?.keepAlive, true);
    assert.is(kind(text), 'handoff');
  }
  assert.is(request(get('Connection:   Close  ')).close, true);
  assert.is(request(get('Connection: KEEP-ALIVE')).close, false);
});

test.run();
