// What the route reads of a request (src/http/request.ts), whichever transport parsed it: the four headers, in any
// case, repeats joined as node:http joins them (Range: the first, as nginx reads it), everything else ignored.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addRequestHeader, nameLengthTable, noRequestHeaders, requestHeadersFromRaw, ROUTE_HEADERS } from '../../src/http/request.ts';

test('nameLengthTable: 1 at the length of each name, 0 elsewhere', () => {
  const table = nameLengthTable(['ab', 'abcd', 'wxyz']);
  assert.equal([...table], [0, 0, 1, 0, 1]);
  assert.equal([...nameLengthTable([])], [0]);
  const route = nameLengthTable(ROUTE_HEADERS);
  for (const name of ROUTE_HEADERS) assert.is(route[name.length], 1, name);
  assert.is(route[4], 0);
});

test('requestHeadersFromRaw: the route\'s headers in any case; repeats joined, Range the first; others ignored', () => {
  const rows: Array<[string[], ReturnType<typeof noRequestHeaders>]> = [
    [[], noRequestHeaders()],
    [['Range', 'bytes=0-1'], { ...noRequestHeaders(), range: 'bytes=0-1' }],
    [['RANGE', 'bytes=0-1', 'range', 'bytes=5-'], { ...noRequestHeaders(), range: 'bytes=0-1' }],
    [['If-None-Match', '"a"', 'if-none-match', '"b"'], { ...noRequestHeaders(), ifNoneMatch: '"a", "b"' }],
    [['If-Match', '*'], { ...noRequestHeaders(), ifMatch: '*' }],
    [['if-range', '"e"', 'If-Range', '"f"'], { ...noRequestHeaders(), ifRange: '"e", "f"' }],
    // same lengths as the route's names, other names: ignored
    [['Rangy', 'x', 'If-Matc', 'y', 'if-matchh', 'z', 'If-None-Matcx', 'w'], noRequestHeaders()],
    [['Host', 'h', 'Accept', '*/*', 'X-Range', 'bytes=0-0'], { ...noRequestHeaders(), accept: '*/*' }],
    [['Accept', 'application/vnd.ipld.car', 'ACCEPT', '*/*;q=0.1'], { ...noRequestHeaders(), accept: 'application/vnd.ipld.car, */*;q=0.1' }],
    [['Host', 'h', 'User-Agent', 'curl', 'Origin', 'o', 'X-Range', 'bytes=0-0'], noRequestHeaders()],
  ];
  for (const [raw, want] of rows) assert.equal(requestHeadersFromRaw(raw), want, JSON.stringify(raw));
});

test('addRequestHeader adds to the headers found so far', () => {
  const found = noRequestHeaders();
  addRequestHeader(found, 'If-Match', '"a"');
  addRequestHeader(found, 'Content-Type', 'x');
  addRequestHeader(found, 'if-match', '"b"');
  assert.equal(found, { ...noRequestHeaders(), ifMatch: '"a", "b"' });
});

test.run();
