// Download bodies as pieces: views of any range across an .npy header and mapped regions, cut into segments of at
// most 1 GiB (a Buffer holds at most 4 GiB), and a file handle closed by an eviction is opened again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bodyLength, bodyViews, SEGMENT_BYTES, type ObjectOpener, type Piece } from '../../src/http/body.ts';
import type { MmapFile } from '../../src/mmap/index.ts';

const CID = 'bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm';

/** A fake mapped file of `size` bytes whose byte at offset i is i % 251; ranges are recorded, not allocated when large. */
function fakeOpener(size: number) {
  const calls: Array<[number, number]> = [];
  let opens = 0;
  let current: { closed: boolean } | null = null;
  const opener: ObjectOpener = {
    open(cid) {
      assert.is(cid, CID);
      opens++;
      const file = {
        path: `/store/objects/${cid}`,
        size,
        closed: false,
        range(start: number, end: number) {
          calls.push([start, end]);
          if (end - start > 1 << 20) return Buffer.alloc(0); // stands for a large view; its length is checked via calls
          return Buffer.from(Array.from({ length: end - start }, (_, i) => (start + i) % 251));
        },
      };
      current = file;
      return file as unknown as MmapFile;
    },
  };
  return { opener, calls, opens: () => opens, close: () => current && (current.closed = true) };
}

const text = (views: Iterable<Uint8Array>) => Buffer.concat([...views].map((v) => Buffer.from(v)));

test('a range across a header and a mapped region: the right bytes, views of the pieces', () => {
  const { opener } = fakeOpener(1000);
  const header = Buffer.from('HEADER');
  const pieces: Piece[] = [header, { cid: CID, start: 100, end: 200 }];
  assert.is(bodyLength(pieces), 106);
  const got = text(bodyViews(opener, pieces, 3, 10));
  assert.equal([...got], [...Buffer.from('DER'), 100, 101, 102, 103]);
  const [first] = [...bodyViews(opener, pieces, 0, 2)];
  assert.is(first!.buffer, header.buffer, 'the header is a view, not a copy');
  assert.equal([...text(bodyViews(opener, pieces, 105, 106))], [199]);
  assert.equal([...bodyViews(opener, pieces, 50, 50)], []);
  assert.throws(() => [...bodyViews(opener, pieces, 0, 107)], RangeError);
  assert.throws(() => [...bodyViews(opener, pieces, 5, 4)], RangeError);
});

test('regions longer than 1 GiB are read in segments of at most 1 GiB, lazily', () => {
  const size = 5 * 2 ** 30 + 123; // more than a Buffer can hold
  const { opener, calls } = fakeOpener(size);
  const pieces: Piece[] = [Buffer.from('H'), { cid: CID, start: 7, end: size }];
  const views = bodyViews(opener, pieces, 0, bodyLength(pieces));
  views.next();
  views.next();
  assert.is(calls.length, 1, 'one segment at a time: a long download pins one segment');
  for (const _ of views);
  assert.ok(calls.every(([s, e]) => e - s <= SEGMENT_BYTES));
  assert.is(calls[0]![0], 7);
  assert.is(calls.at(-1)![1], size);
  for (let i = 1; i < calls.length; i++) assert.is(calls[i]![0], calls[i - 1]![1], 'contiguous');
});

test('a handle closed (evicted) between segments is opened again; a live one is reused', () => {
  const { opener, opens, close } = fakeOpener(3 * 2 ** 30);
  const pieces: Piece[] = [{ cid: CID, start: 0, end: 3 * 2 ** 30 }];
  const views = bodyViews(opener, pieces, 0, 3 * 2 ** 30);
  views.next();
  views.next();
  assert.is(opens(), 1);
  close();
  views.next();
  assert.is(opens(), 2);
});

test.run();
