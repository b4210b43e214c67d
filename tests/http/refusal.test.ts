// The route's refusals (src/http/refusal.ts): what the layers below throw, as HTTP statuses and stable codes, and
// the one JSON body every path answers them with (the 500 included).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asRefusal, INTERNAL_ERROR, INTERNAL_ERROR_BODY, Refusal, refusalBody } from '../../src/http/refusal.ts';
import { MmapError } from '../../src/mmap/errors.ts';
import { StoreError } from '../../src/store/errors.ts';
import { SliceSpecError } from '../../src/tensor/errors.ts';

test('asRefusal: expected failures as status and code; anything else null (a bug: 500)', () => {
  const rows: Array<[unknown, number | null, string | null]> = [
    [new SliceSpecError('INVALID_SLICE', 'bad spec'), 400, 'INVALID_SLICE'],
    [new StoreError('NOT_FOUND', 'x'), 404, 'NOT_FOUND'],
    [new StoreError('INVALID_ARGUMENT', 'x'), 400, 'BAD_REQUEST'],
    [new StoreError('TOO_LARGE', 'x'), 413, 'TOO_LARGE'],
    [new StoreError('INVALID_FORMAT', 'x'), 500, 'STORE_ERROR'],
    [new StoreError('IO', 'x'), 500, 'STORE_ERROR'],
    [new StoreError('NO_SPACE', 'x'), 500, 'STORE_ERROR'],
    [new MmapError('FILE_NOT_FOUND', 'gone'), 404, 'NOT_FOUND'],
    [new MmapError('MMAP_FAILED', 'no'), 503, 'UNAVAILABLE'],
    [new TypeError('a bug'), null, null],
    [null, null, null],
    ['a string', null, null],
  ];
  for (const [error, status, code] of rows) {
    const refusal = asRefusal(error);
    assert.is(refusal?.status ?? null, status, String(error));
    assert.is(refusal?.code ?? null, code, String(error));
  }
  const mine = new Refusal(416, 'X', 'y');
  assert.is(asRefusal(mine), mine);
  assert.equal(asRefusal(new MmapError('MMAP_FAILED', 'no'))!.headers, { 'Retry-After': '1' });
});

test('refusalBody: one JSON line, reason only when there is one; the one 500 body', () => {
  assert.is(refusalBody(new Refusal(404, 'NOT_FOUND', 'no file')), '{"error":"NOT_FOUND","status":404,"message":"no file"}\n');
  assert.is(refusalBody(new Refusal(403, 'FORBIDDEN', 'expired: ask', {}, 'expired')), '{"error":"FORBIDDEN","status":403,"reason":"expired","message":"expired: ask"}\n');
  assert.is(INTERNAL_ERROR.status, 500);
  assert.is(INTERNAL_ERROR_BODY, '{"error":"INTERNAL","status":500,"message":"internal error (logged on the server)"}\n');
});

test.run();
