// translate (src/graphql/translate.ts): the expected failures of the layers below as the API's typed errors, by
// table; anything else returned unchanged (yoga masks it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GraphQLError } from 'graphql';
import { guard, guardAsync, translate } from '../../src/graphql/translate.ts';
import { InvalidArgumentError, InvalidFileError, InvalidSliceError, NotFoundError, StoreUnavailableError, TooLargeError } from '../../src/graphql/errors.ts';
import { StoreError } from '../../src/store/errors.ts';
import { SliceSpecError, TensorFormatError } from '../../src/tensor/errors.ts';
import { MmapError } from '../../src/mmap/errors.ts';

test('store, slice, format and mmap failures become typed errors with their code', () => {
  const rows: Array<[unknown, Function, string]> = [
    [new StoreError('NOT_FOUND', 'no file'), NotFoundError, 'NOT_FOUND'],
    [new StoreError('INVALID_ARGUMENT', 'bad cid'), InvalidArgumentError, 'INVALID_ARGUMENT'],
    [new StoreError('TOO_LARGE', 'big'), TooLargeError, 'TOO_LARGE'],
    [new StoreError('INVALID_FORMAT', 'bad header', { cause: new TensorFormatError('HEADER_TOO_LARGE', 'x') }), InvalidFileError, 'INVALID_FILE'],
    [new StoreError('IO', 'gone'), StoreUnavailableError, 'STORE_ERROR'],
    [new SliceSpecError('INVALID_SLICE', 'bad spec'), InvalidSliceError, 'INVALID_SLICE'],
    [new SliceSpecError('TOO_LARGE', 'too many ranges'), TooLargeError, 'TOO_LARGE'],
    [new TensorFormatError('HEADER_TOO_LARGE', 'x'), InvalidFileError, 'INVALID_FILE'],
    [new MmapError('IO_ERROR', 'lost', { path: '/store/objects/bafkreiabc' }), StoreUnavailableError, 'STORE_ERROR'],
  ];
  for (const [error, type, code] of rows) {
    const out = translate(error) as { code: string };
    assert.instance(out, type, String(error));
    assert.is(out.code, code, String(error));
  }
});

test('hints: the argument, the spec and the limit reach the typed error', () => {
  assert.is((translate(new StoreError('INVALID_ARGUMENT', 'x'), { argument: 'after' }) as InvalidArgumentError).argument, 'after');
  assert.is((translate(new StoreError('INVALID_ARGUMENT', 'x')) as InvalidArgumentError).argument, 'input');
  assert.is((translate(new SliceSpecError('INVALID_SLICE', 'x'), { spec: '0:2' }) as InvalidSliceError).spec, '0:2');
  const large = translate(new StoreError('TOO_LARGE', 'x'), { limit: 10 }) as TooLargeError;
  assert.equal([large.requested, large.limit], [11, 10]);
  const cause = new TensorFormatError('HEADER_TOO_LARGE', 'x');
  assert.is((translate(new StoreError('INVALID_FORMAT', 'x', { cause })) as InvalidFileError).reason, 'HEADER_TOO_LARGE');
  assert.is((translate(new StoreError('INVALID_FORMAT', 'x')) as InvalidFileError).reason, null);
});

test('messages leak no server path; NO_SPACE is its own top-level error; anything else unchanged', () => {
  const io = translate(new StoreError('IO', "object '/var/lib/ipfrs/objects/bafkreiabc' changed (/tmp/x/y)")) as Error;
  assert.is(io.message, "object 'bafkreiabc' changed (y)");
  const mmap = translate(new MmapError('IO_ERROR', 'lost', { path: '/store/objects/bafkreiabc' })) as Error;
  assert.match(mmap.message, /^the object bafkreiabc changed on disk/);
  const full = translate(new StoreError('NO_SPACE', 'the disk is full')) as GraphQLError;
  assert.instance(full, GraphQLError);
  assert.is(full.extensions.code, 'NO_SPACE');
  const typed = new NotFoundError('x');
  assert.is(translate(typed), typed);
  for (const other of [new TypeError('bug'), new MmapError('MMAP_FAILED', 'no'), 'text', null]) assert.is(translate(other), other);
});

test('guard and guardAsync rethrow translated', async () => {
  assert.is(guard(() => 3), 3);
  assert.throws(() => guard(() => { throw new StoreError('NOT_FOUND', 'x'); }), (e: unknown) => e instanceof NotFoundError);
  assert.is(await guardAsync(async () => 4), 4);
  try {
    await guardAsync(async () => { throw new SliceSpecError('INVALID_SLICE', 'x'); }, { spec: 's' });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, InvalidSliceError);
    assert.is((error as InvalidSliceError).spec, 's');
  }
});

test.run();
