// status.ts as a table: each expected failure of the layers below gets its code and the message GraphQL's typed
// error carries; anything else is INTERNAL with a fixed message (never the bug's own words, never UNKNOWN).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { status } from '@grpc/grpc-js';
import { ForbiddenError, InvalidRangeError } from '../../src/graphql/errors.ts';
import { translate } from '../../src/graphql/translate.ts';
import { Refusal } from '../../src/http/refusal.ts';
import { MmapError } from '../../src/mmap/errors.ts';
import { StoreError } from '../../src/store/errors.ts';
import { SliceSpecError, TensorFormatError } from '../../src/tensor/errors.ts';
import { GrpcError, INTERNAL_MESSAGE, toStatus } from '../../src/grpc/status.ts';

const rows: Array<[string, unknown, status]> = [
  ['store NOT_FOUND', new StoreError('NOT_FOUND', 'no file with CID x'), status.NOT_FOUND],
  ['store INVALID_ARGUMENT (bad cid)', new StoreError('INVALID_ARGUMENT', 'not a CID of this store'), status.INVALID_ARGUMENT],
  ['store TOO_LARGE', new StoreError('TOO_LARGE', 'over the limit'), status.RESOURCE_EXHAUSTED],
  ['store INVALID_FORMAT', new StoreError('INVALID_FORMAT', 'upload: bad header', { cause: new TensorFormatError('INVALID_HEADER', 'bad') }), status.INVALID_ARGUMENT],
  ['store IO (changed on disk)', new StoreError('IO', 'the object of x changed on disk (1 bytes, expected 2); run ipfrs verify'), status.UNAVAILABLE],
  ['store NO_SPACE', new StoreError('NO_SPACE', 'the store\'s disk is full'), status.RESOURCE_EXHAUSTED],
  ['slice INVALID_SLICE', new SliceSpecError('INVALID_SLICE', 'index 9 is out of bounds for axis 0 with size 2', 0), status.INVALID_ARGUMENT],
  ['slice TOO_LARGE', new SliceSpecError('TOO_LARGE', 'too many ranges'), status.RESOURCE_EXHAUSTED],
  ['parser error', new TensorFormatError('INVALID_HEADER', 'bad header'), status.INVALID_ARGUMENT],
  ['mmap IO_ERROR', new MmapError('IO_ERROR', 'fault', { path: '/srv/store/objects/bafkreiabc' }), status.UNAVAILABLE],
  ['mmap MMAP_FAILED', new MmapError('MMAP_FAILED', 'ENOMEM'), status.UNAVAILABLE],
  ['mmap FILE_NOT_FOUND', new MmapError('FILE_NOT_FOUND', 'gone'), status.NOT_FOUND],
  ['route 404', new Refusal(404, 'NOT_FOUND', 'file x has no tensor named "y"'), status.NOT_FOUND],
  ['route 413', new Refusal(413, 'TOO_LARGE', 'this strided slice is too large'), status.RESOURCE_EXHAUSTED],
  ['GraphQL InvalidRangeError', new InvalidRangeError('the range 1-0 is not within the file', 10), status.OUT_OF_RANGE],
  ['GraphQL ForbiddenError', new ForbiddenError('needs admin', 'admin'), status.PERMISSION_DENIED],
  ['GraphQL UNAUTHENTICATED', new ForbiddenError('needs admin: send a token', 'admin', 'UNAUTHENTICATED'), status.UNAUTHENTICATED],
  ['a GrpcError as it is', new GrpcError(status.OUT_OF_RANGE, 'offset past the end'), status.OUT_OF_RANGE],
];

for (const [name, error, code] of rows) {
  test(`${name} -> ${status[code]}, with GraphQL's message`, () => {
    const got = toStatus(error);
    assert.is(got.code, code);
    assert.not.ok(got.unexpected);
    const mmapByRoute = error instanceof MmapError && error.code !== 'IO_ERROR';
    if (!(error instanceof GrpcError) && !(error instanceof Refusal) && !mmapByRoute) assert.is(got.details, (translate(error) as Error).message);
    assert.not.match(got.details, /\/srv\/store/, 'no server path');
  });
}

test('anything else is INTERNAL with a fixed message', () => {
  for (const error of [new TypeError('x is undefined'), 'a string', null, new StoreError('WEIRD' as never, 'x')]) {
    assert.equal(toStatus(error), { code: status.INTERNAL, details: INTERNAL_MESSAGE, unexpected: true });
  }
});

test.run();
