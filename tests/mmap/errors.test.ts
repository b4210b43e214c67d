// MmapError (src/mmap/errors.ts): its name, code and details (absent ones stay absent), the range and closed
// errors' messages and stacks, and an async failure given the stack of the call that started it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closedError, invalidRange, MMAP_ERROR_CODES, MmapError, withCallSite } from '../../src/mmap/errors.ts';

test('MmapError: name, code, details only when given', () => {
  const bare = new MmapError('MMAP_FAILED', 'no');
  assert.is(bare.name, 'MmapError');
  assert.instance(bare, Error);
  assert.is(bare.code, 'MMAP_FAILED');
  assert.equal(Object.keys(bare).sort(), ['code']);
  const full = new MmapError('FILE_NOT_FOUND', 'gone', { path: '/x', errno: -2, syscall: 'open' });
  assert.equal([full.path, full.errno, full.syscall], ['/x', -2, 'open']);
  assert.equal(MMAP_ERROR_CODES, ['FILE_NOT_FOUND', 'NOT_A_FILE', 'PERMISSION_DENIED', 'INVALID_RANGE', 'MMAP_FAILED', 'CLOSED', 'IO_ERROR']);
});

function callerOfInvalidRange() {
  return invalidRange('/f', 10, 4, 20, 'slice');
}

test('invalidRange and closedError: what, where, and a stack that starts at the caller', () => {
  const range = callerOfInvalidRange();
  assert.is(range.code, 'INVALID_RANGE');
  assert.is(range.message, "slice [4, 20) is outside '/f' (10 bytes)");
  assert.is(range.path, '/f');
  assert.match(range.stack!.split('\n')[1]!, /callerOfInvalidRange/);
  const closed = closedError('/g');
  assert.is(closed.code, 'CLOSED');
  assert.is(closed.message, "the file is closed: '/g'");
  assert.not.match(closed.stack!, /at closedError/);
});

function startedHere(): Error {
  return new Error('site');
}

test('withCallSite: the error keeps its name and message, with the frames of the call site', () => {
  const error = new MmapError('IO_ERROR', 'lost');
  error.stack = 'MmapError: lost\n    at <libuv worker>';
  const out = withCallSite(error, startedHere()) as Error;
  assert.is(out, error);
  assert.match(out.stack!, /^MmapError: lost\n\s+at startedHere/);
  assert.not.match(out.stack!, /libuv worker/);
  assert.is(withCallSite('text', startedHere()), 'text');
});

test.run();
