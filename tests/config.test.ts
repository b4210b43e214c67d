// Flags and environment -> settings (src/config.ts), by table: the store root, durations, sizes, shapes, ranges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseByteRange, parseDuration, parseShape, parseSize, resolveStoreRoot, UsageError } from '../src/config.ts';

function refused(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
    assert.unreachable('accepted');
  } catch (error) {
    assert.instance(error, UsageError);
    assert.match((error as Error).message, pattern);
  }
}

test('resolveStoreRoot: --store, else $IPFRS_HOME, else ./.ipfrs, against the cwd', () => {
  assert.is(resolveStoreRoot('/s', { IPFRS_HOME: '/h' }, '/cwd'), '/s');
  assert.is(resolveStoreRoot('rel', { IPFRS_HOME: '/h' }, '/cwd'), '/cwd/rel');
  assert.is(resolveStoreRoot(undefined, { IPFRS_HOME: '/h' }, '/cwd'), '/h');
  assert.is(resolveStoreRoot(undefined, {}, '/cwd'), '/cwd/.ipfrs');
});

test('parseDuration: seconds by default, s m h d units; anything else a UsageError', () => {
  const rows: Array<[string, number]> = [['90', 90], ['90s', 90], ['15m', 900], ['2h', 7200], ['7d', 604800], [' 3 m ', 180], ['0', 0]];
  for (const [text, want] of rows) assert.is(parseDuration(text), want, text);
  for (const bad of ['', 'm', '1.5h', '-1', '1w', '1 hour', '15M']) refused(() => parseDuration(bad), /invalid duration/);
});

test('parseSize: bytes, k m g t in powers of 1024, with an optional (i)B', () => {
  const rows: Array<[string, number]> = [['65536', 65536], ['64k', 65536], ['64KiB', 65536], ['64kb', 65536], ['1g', 2 ** 30], ['2M', 2 ** 21], ['1t', 2 ** 40], ['0', 0]];
  for (const [text, want] of rows) assert.is(parseSize(text), want, text);
  for (const bad of ['', 'k', '1.5k', '-1', '1p', '1 kilobyte']) refused(() => parseSize(bad), /invalid size/);
  refused(() => parseSize('9000000t'), /too large/);
});

test('parseShape: comma lists with or without brackets; empty is a scalar', () => {
  const rows: Array<[string, number[]]> = [['2,3,4', [2, 3, 4]], ['[2, 3, 4]', [2, 3, 4]], ['(5)', [5]], ['', []], ['[]', []], [' 7 ', [7]], ['0,3', [0, 3]]];
  for (const [text, want] of rows) assert.equal(parseShape(text), want, text);
  for (const bad of ['2,,3', '2,-3', '2.5', 'a', '2,3,', '99999999999999999999']) refused(() => parseShape(bad), /invalid shape/);
});

test('parseByteRange: inclusive START-END or START- into [start, end), within the size', () => {
  const rows: Array<[string, number, [number, number]]> = [
    ['0-9', 100, [0, 10]],
    ['10-', 100, [10, 100]],
    ['99-99', 100, [99, 100]],
    ['100-', 100, [100, 100]],
    ['0-', 0, [0, 0]],
  ];
  for (const [text, size, want] of rows) assert.equal(parseByteRange(text, size), want, text);
  for (const bad of ['', '-5', 'a-b', '1-2-3', '5']) refused(() => parseByteRange(bad, 100), /invalid range/);
  refused(() => parseByteRange('9-3', 100), /the end is before the start/);
  refused(() => parseByteRange('0-100', 100), /outside the file/);
  refused(() => parseByteRange('101-', 100), /outside the file/);
});

test.run();
