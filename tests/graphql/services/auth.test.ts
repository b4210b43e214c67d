// Bearer tokens -> scopes (src/graphql/services/auth.ts over src/auth): parsing the header, lookup, what a refusal says.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { authenticate, refusal, tokenVerifier } from '../../../src/graphql/services/auth.ts';

const port = tokenVerifier([
  { token: 'ipfrs_admin', scopes: ['admin'] },
  { token: 'ipfrs_writer', scopes: ['write'] },
  { token: 'ipfrs_reader', scopes: ['read'] },
]);

const view = (header: string | null) => {
  const auth = authenticate(header, port);
  return { token: auth.token, scopes: [...auth.scopes].sort() };
};

test('a known token grants its scopes; admin implies write', () => {
  assert.equal(view('Bearer ipfrs_admin'), { token: 'valid', scopes: ['admin', 'read', 'write'] });
  assert.equal(view('Bearer ipfrs_writer'), { token: 'valid', scopes: ['read', 'write'] });
  assert.equal(view('Bearer ipfrs_reader'), { token: 'valid', scopes: ['read'] });
});

test('the scheme is case-insensitive and surrounding blanks are allowed', () => {
  for (const header of ['bearer ipfrs_admin', 'BEARER ipfrs_admin', 'Bearer \tipfrs_admin ', 'Bearer  ipfrs_admin']) {
    assert.equal(view(header), { token: 'valid', scopes: ['admin', 'read', 'write'] }, header);
  }
});

test('no header, another scheme, a malformed or unknown token grant nothing', () => {
  assert.equal(view(null), { token: 'none', scopes: [] });
  assert.equal(view(''), { token: 'none', scopes: [] });
  for (const header of ['Basic aXBmcnM6eA==', 'Bearer', 'Bearer ', 'ipfrs_admin', 'Bearer a b', `Bearer ${'x'.repeat(5000)}`, 'Bearer ipfrs_admin\u0000']) {
    assert.equal(view(header), { token: 'malformed', scopes: [] }, header);
  }
  for (const header of ['Bearer ipfrs_admiN', 'Bearer ipfrs_admin2', 'Bearer ipfrs_', 'Bearer IPFRS_ADMIN']) {
    assert.equal(view(header), { token: 'unknown', scopes: [] }, header);
  }
});

test('unknown scopes are ignored, and the same token listed twice grants the first listing', () => {
  const odd = authenticate('Bearer x', tokenVerifier([{ token: 'x', scopes: ['write', 'root' as never] }]));
  assert.equal([...odd.scopes].sort(), ['read', 'write']);
  const twice = authenticate('Bearer t', tokenVerifier([{ token: 't', scopes: ['write'] }, { token: 't', scopes: ['admin'] }]));
  assert.not.ok(twice.scopes.has('admin'));
});

test('a refusal says which scope, and how to get it', () => {
  const none = refusal(authenticate(null, port), 'admin', 'clearCache');
  assert.equal(none, {
    code: 'UNAUTHENTICATED',
    message: 'clearCache needs the admin scope: send "Authorization: Bearer <token>" with a token that has the admin scope',
  });
  assert.is(refusal(authenticate('Basic x', port), 'write', 'addTensorFile').code, 'UNAUTHENTICATED');
  assert.match(refusal(authenticate('Bearer nope', port), 'write', 'addTensorFile').message, /not one this server knows/);
  assert.equal(refusal(authenticate('Bearer ipfrs_reader', port), 'admin', 'evictFromCache'), {
    code: 'FORBIDDEN',
    message: 'evictFromCache needs the admin scope, which this token does not have',
  });
});

test.run();
