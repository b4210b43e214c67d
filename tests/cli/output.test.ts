// The CLI's output helpers (src/cli/output.ts): parts written in order through a pipe that applies backpressure,
// byte counts for people, aligned tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Writable } from 'node:stream';
import { formatBytes, table, writeParts } from '../../src/cli/output.ts';

test('writeParts: every byte in order, waiting for drain when the sink says it is full', async () => {
  const chunks: Buffer[] = [];
  let full = 0;
  // A sink with a small buffer that takes each chunk on the next turn: write() returns false, so drain is awaited.
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      setImmediate(callback);
    },
  });
  const original = out.write.bind(out);
  out.write = ((chunk: Uint8Array) => {
    const ok = original(chunk);
    if (!ok) full++;
    return ok;
  }) as typeof out.write;
  const parts = [Buffer.from('head'), Buffer.alloc(3 << 20, 7), Buffer.alloc(0), Buffer.from('tail')];
  await writeParts(out, parts);
  assert.ok(Buffer.concat(chunks).equals(Buffer.concat(parts)));
  assert.ok(full > 0, 'backpressure was met');
  assert.ok(chunks.every((c) => c.byteLength <= 1 << 20), 'at most 1 MiB per write');
});

test('writeParts: an error while waiting for drain rejects', async () => {
  const out = new Writable({ highWaterMark: 1, write: (_c, _e, callback) => setImmediate(() => callback(new Error('EPIPE'))) });
  out.on('error', () => {});
  try {
    await writeParts(out, [Buffer.alloc(10), Buffer.alloc(10)]);
    assert.unreachable('resolved');
  } catch (error) {
    assert.match((error as Error).message, /EPIPE/);
  }
});

test('formatBytes', () => {
  const rows: Array<[number, string]> = [[0, '0 B'], [1023, '1023 B'], [1024, '1.0 KiB'], [1536, '1.5 KiB'], [5 << 20, '5.0 MiB'], [2 ** 40, '1.0 TiB'], [2 ** 50, '1024.0 TiB']];
  for (const [n, want] of rows) assert.is(formatBytes(n), want, String(n));
});

test('table: columns padded to the widest cell, the last one left as it is', () => {
  assert.is(table([]), '');
  assert.is(table([['cid', 'size', 'name'], ['bafk', '12', 'w'], ['b', '1234567', 'weights']]), 'cid   size     name\nbafk  12       w\nb     1234567  weights');
});

test.run();
