// CORS and CSRF decisions (src/auth/cors.ts), as tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { corsDecision, corsPolicy, lacksPreflightHeader, PREFLIGHT_HEADERS } from '../../src/auth/cors.ts';

const SELF = ['http://127.0.0.1:8080'];

test('the own origin and the listed ones get themselves back; any other origin gets nothing (never reflected)', () => {
  const policy = corsPolicy(['https://app.example.com']);
  const cases: Array<[string | null, string | null, boolean]> = [
    [null, null, false],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080', true],
    ['https://app.example.com', 'https://app.example.com', true],
    ['HTTPS://APP.example.com', 'HTTPS://APP.example.com', true],
    ['https://evil.example', null, false],
    ['https://app.example.com.evil.example', null, false],
    ['null', null, false],
  ];
  for (const [origin, allow, credentials] of cases) assert.equal(corsDecision(policy, origin, SELF), { allowOrigin: allow, credentials }, String(origin));
});

test('* allows any origin, without credentials', () => {
  assert.equal(corsDecision(corsPolicy(['*']), 'https://any.example', SELF), { allowOrigin: '*', credentials: false });
});

test('--cors-origin values must be origins', () => {
  for (const bad of ['app.example.com', 'https://app.example.com/path', 'ftp://x', '']) assert.throws(() => corsPolicy([bad]), /--cors-origin/, bad);
  assert.equal(corsPolicy(['https://a.example/']).origins, ['https://a.example']);
});

test('CSRF: only simple POSTs (form, multipart, text/plain, no type) need a preflight-forcing header', () => {
  const none = () => false;
  const cases: Array<[string, string | null, boolean]> = [
    ['GET', null, false],
    ['GET', 'text/plain', false],
    ['POST', 'application/json', false],
    ['POST', 'application/graphql-response+json', false],
    ['POST', 'application/x-www-form-urlencoded', true],
    ['POST', 'multipart/form-data; boundary=x', true],
    ['POST', 'Text/Plain;charset=utf-8', true],
    ['POST', null, true],
  ];
  for (const [method, type, needs] of cases) assert.is(lacksPreflightHeader(method, type, none), needs, `${method} ${type}`);
  for (const header of PREFLIGHT_HEADERS) assert.not.ok(lacksPreflightHeader('POST', 'multipart/form-data', (h) => h === header), header);
  assert.equal(PREFLIGHT_HEADERS, ['x-graphql-yoga-csrf', 'graphql-preflight', 'apollo-require-preflight', 'x-apollo-operation-name']);
});

test.run();
