// The objects the download route keeps mapped and checked (src/http/opened-objects.ts), over real files and real
// mappings: a later open returns the kept file without the full check while nothing happened to the object, and
// sees every kind of change (truncation, growth, replacement, removal, chmod, writes, renames) once its fstat is
// due; hard-linked objects and objects past the descriptor budget are checked by path; the entry capacity, the
// recheck time, the sweep of idle descriptors and close() bound what it holds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { beforeAll } from '../helpers/hooks.ts';
import { appendFileSync, chmodSync, closeSync, linkSync, openSync, readdirSync, readlinkSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_STAT_EVERY_MS, OpenedObjects, type OpenedObjectsOptions } from '../../src/http/opened-objects.ts';
import { MmapCache, MmapFile } from '../../src/mmap/index.ts';
import { tempDir } from '../../src/devkit/paths.ts';

const SIZE = 4096;
/** Long enough for a file's ctime to move past the coarse clock tick it was written in (see the module's header). */
const TICK_MS = 25;

let dir: ReturnType<typeof tempDir>;
let serial = 0;

beforeAll(test, () => {
  dir = tempDir('ipfrs-opened-objects-');
});

test.after(() => {
  dir.cleanup();
});

/** A fresh object name (the "CID") in the temp dir, written with `size` bytes of `fill`. */
function put(size = SIZE, fill = 1): string {
  const cid = `object-${++serial}`;
  writeFileSync(pathOf(cid), Buffer.alloc(size, fill));
  return cid;
}

const pathOf = (cid: string) => join(dir.path, cid);

/** Descriptors this process holds on files in the temp dir (MmapFile keeps none: only OpenedObjects' fstat fds). */
function fdsInTempDir(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // the descriptor readdir itself used, closed meanwhile
    }
    if (target.startsWith(dir.path + '/')) out.push(target);
  }
  return out;
}

interface Harness {
  objects: OpenedObjects;
  /** The cids open() was called with, in order. */
  calls: string[];
  /** Makes cached() answer false from now on (or true again). */
  setCached(value: boolean): void;
  /** Makes open() throw for this cid from now on (null: never). */
  failFor(cid: string | null): void;
  /** Steps the module's clock by `ms`, then runs the sweeps that are scheduled, if `ms` covers their period. */
  elapse(ms: number): void;
  /** The sweeps scheduled through `every`: their period, and whether they were stopped. */
  sweeps: Array<{ ms: number; stopped: boolean }>;
}

/**
 * An OpenedObjects whose open() maps the file anew with `new MmapFile(path)` (as a miss in the cache would) and
 * records the call. Its clock and sweep timer are the harness's: time moves only by elapse(). Every mapping made
 * and the OpenedObjects are closed when `body` ends.
 */
async function withObjects(options: Partial<OpenedObjectsOptions>, body: (h: Harness) => void | Promise<void>): Promise<void> {
  const calls: string[] = [];
  const mapped: MmapFile[] = [];
  let cached = true;
  let failing: string | null = null;
  let now = 1_000_000;
  const sweeps: Array<{ ms: number; stopped: boolean; sweep: () => void }> = [];
  const objects = new OpenedObjects({
    now: () => now,
    every(ms, sweep) {
      const scheduled = { ms, stopped: false, sweep };
      sweeps.push(scheduled);
      return () => void (scheduled.stopped = true);
    },
    open(cid) {
      calls.push(cid);
      if (cid === failing) throw new Error(`${cid} was removed from the store`);
      const file = new MmapFile(pathOf(cid));
      mapped.push(file);
      return file;
    },
    cached: () => cached,
    ...options,
  });
  try {
    const elapse = (ms: number) => {
      now += ms;
      for (const scheduled of sweeps) if (!scheduled.stopped && ms >= scheduled.ms) scheduled.sweep();
    };
    await body({ objects, calls, setCached: (v) => (cached = v), failFor: (cid) => (failing = cid), elapse, sweeps });
  } finally {
    objects.close();
    for (const file of mapped) file.close();
  }
  assert.is(objects.descriptors, 0);
}

const count = (calls: string[], cid: string) => calls.filter((c) => c === cid).length;

test('a second open within recheckMs and statEveryMs returns the same file without the full check', async () => {
  assert.is(DEFAULT_STAT_EVERY_MS, 10);
  for (const options of [{}, { statEveryMs: 0 }, { statEveryMs: 60_000, recheckMs: 60_000 }]) {
    await withObjects(options, ({ objects, calls }) => {
      const cid = put();
      const first = objects.open(cid);
      assert.is(first.size, SIZE);
      assert.is(first.path, pathOf(cid));
      assert.equal(calls, [cid]);
      assert.is(objects.descriptors, 1, 'one descriptor held for the fstat');
      for (let i = 0; i < 5; i++) assert.is(objects.open(cid), first, `open ${i + 2} (${JSON.stringify(options)})`);
      assert.equal(calls, [cid], 'open() ran once');
      assert.is(objects.descriptors, 1);
      assert.equal(fdsInTempDir(), [pathOf(cid)]);
    });
  }
});

interface Change {
  name: string;
  /** Does the change to the object at `path` (mapped and checked), and leaves a file there (or not). */
  apply(path: string): void;
  /** The size of the object at the path afterwards; null: nothing there, open() fails. */
  after: number | null;
}

const CHANGES: Change[] = [
  { name: 'truncated in place', apply: (p) => truncateSync(p, SIZE / 2), after: SIZE / 2 },
  { name: 'truncated to nothing', apply: (p) => truncateSync(p, 0), after: 0 },
  { name: 'grown by an append', apply: (p) => appendFileSync(p, Buffer.alloc(100, 2)), after: SIZE + 100 },
  {
    name: 'replaced by a rename over its path (same size)',
    apply(p) {
      writeFileSync(`${p}.new`, Buffer.alloc(SIZE, 3));
      renameSync(`${p}.new`, p);
    },
    after: SIZE,
  },
  { name: 'unlinked', apply: (p) => unlinkSync(p), after: null },
  { name: 'chmod (ctime)', apply: (p) => chmodSync(p, 0o600), after: SIZE },
  {
    name: 'written in place, same size (mtime, ctime)',
    apply(p) {
      const fd = openSync(p, 'r+');
      try {
        writeSync(fd, Buffer.alloc(16, 9), 0, 16, 100);
      } finally {
        closeSync(fd);
      }
    },
    after: SIZE,
  },
  {
    // The old inode keeps its one link and its size: only its ctime tells. A new object of the same size takes its
    // place at the path, so the next open succeeds and maps the new file.
    name: 'renamed away (ctime), a same-size file put in its place',
    apply(p) {
      renameSync(p, `${p}.moved`);
      writeFileSync(p, Buffer.alloc(SIZE, 4));
    },
    after: SIZE,
  },
  { name: 'renamed away, nothing in its place', apply: (p) => renameSync(p, `${p}.moved`), after: null },
];

test('statEveryMs 0: every change is seen at the very next open', async () => {
  // All the objects written first, then one wait, so that every change lands in a later clock tick than the write.
  const cases = CHANGES.map((change) => ({ change, cid: put() }));
  await sleep(TICK_MS);
  await withObjects({ statEveryMs: 0 }, ({ objects, calls }) => {
    for (const { change, cid } of cases) {
      const path = pathOf(cid);
      const before = objects.open(cid);
      assert.is(objects.open(cid), before, `${change.name}: unchanged, kept`);
      assert.is(count(calls, cid), 1, `${change.name}: one open() before the change`);
      const held = objects.descriptors;
      change.apply(path);
      if (change.after === null) {
        assert.throws(() => objects.open(cid), /not|ENOENT|exist/i, `${change.name}: open() fails`);
        assert.is(count(calls, cid), 2, `${change.name}: open() called again`);
        assert.is(objects.descriptors, held - 1, `${change.name}: its descriptor closed`);
        // Nothing kept of it: once an object is there again, open() runs again.
        writeFileSync(path, Buffer.alloc(SIZE, 5));
        const again = objects.open(cid);
        assert.is.not(again, before);
        assert.is(count(calls, cid), 3, `${change.name}: open() called once more`);
        assert.is(objects.open(cid), again);
      } else {
        const after = objects.open(cid);
        assert.is(count(calls, cid), 2, `${change.name}: open() called again`);
        assert.is.not(after, before, `${change.name}: the new mapping returned`);
        assert.is(after.size, change.after, `${change.name}: its size`);
        assert.is(after.size, statSync(path).size);
        assert.is(objects.descriptors, held, `${change.name}: the old descriptor closed, one for the new entry`);
        assert.is(objects.open(cid), after, `${change.name}: the new entry is kept`);
        assert.is(count(calls, cid), 2);
      }
    }
    assert.is(fdsInTempDir().length, objects.descriptors, 'no descriptor leaked');
  });
});

test('statEveryMs 0: a change of size or link count is seen even in the clock tick the object was opened in', async () => {
  // No wait between writing, opening and changing: with coarse timestamps the ctime may not move, and the size
  // (truncation, growth) or the link count (removal, a rename over the path) must tell on their own.
  const sameTick = CHANGES.filter((c) => /truncated|grown|unlinked|rename over/.test(c.name));
  assert.is(sameTick.length, 5);
  await withObjects({ statEveryMs: 0 }, ({ objects, calls }) => {
    for (const change of sameTick) {
      const cid = put();
      const before = objects.open(cid);
      change.apply(pathOf(cid));
      if (change.after === null) assert.throws(() => objects.open(cid), /not|ENOENT|exist/i, change.name);
      else assert.is.not(objects.open(cid), before, change.name);
      assert.is(count(calls, cid), 2, `${change.name}: open() called again`);
    }
  });
});

test('default statEveryMs (10 ms): a change is seen by an open made once the window since the last check has passed', async () => {
  const cases = CHANGES.filter((c) => c.after !== null).map((change) => ({ change, cid: put() }));
  await sleep(TICK_MS);
  await withObjects({}, ({ objects, calls, elapse }) => {
    const before = new Map(cases.map(({ cid }) => [cid, objects.open(cid)]));
    for (const { change, cid } of cases) change.apply(pathOf(cid));
    // Right after the change, within 10 ms of the last check, an open may still return the old entry: the window
    // the module trusts its last fstat for (a request sees every change that completed more than 10 ms before it).
    // Whichever it returns is not asserted here; the old mapping is not read.
    for (const { cid } of cases) objects.open(cid);
    elapse(DEFAULT_STAT_EVERY_MS + 15);
    for (const { change, cid } of cases) {
      const after = objects.open(cid);
      assert.is.not(after, before.get(cid), `${change.name}: seen after the window`);
      assert.is(after.size, change.after, `${change.name}: the new mapping`);
      // Once, whether by the open right after the change or by this one.
      assert.is(count(calls, cid), 2, `${change.name}: open() called again`);
      assert.is(objects.open(cid), after, `${change.name}: then kept`);
      assert.is(count(calls, cid), 2);
    }
  });
});

test('after recheckMs the full check runs again, even with nothing changed', async () => {
  await withObjects({ recheckMs: 50 }, ({ objects, calls, elapse }) => {
    const cid = put();
    const first = objects.open(cid);
    assert.is(objects.open(cid), first);
    assert.is(calls.length, 1);
    elapse(49);
    assert.is(objects.open(cid), first, 'still within recheckMs');
    assert.is(calls.length, 1);
    elapse(31);
    const second = objects.open(cid);
    assert.is(calls.length, 2, 'open() ran again');
    assert.is.not(second, first, 'what open() returned this time');
    assert.is(objects.descriptors, 1, 'the old entry’s descriptor closed, one for the new entry');
    assert.equal(fdsInTempDir(), [pathOf(cid)]);
    assert.is(objects.open(cid), second);
    assert.is(calls.length, 2);
  });
});

test('cached() answering false forces a reopen', async () => {
  await withObjects({ statEveryMs: 0 }, ({ objects, calls, setCached }) => {
    const cid = put();
    const first = objects.open(cid);
    assert.is(objects.open(cid), first);
    setCached(false);
    const second = objects.open(cid);
    assert.is.not(second, first);
    assert.is(calls.length, 2);
    assert.is(objects.descriptors, 1);
    setCached(true);
    assert.is(objects.open(cid), second);
    assert.is(calls.length, 2);
  });
});

test('with the real cache: a file evicted from it, or closed, is opened again', () => {
  const cache = new MmapCache({ maxEntries: 8 });
  let opens = 0;
  const objects = new OpenedObjects({
    open: (cid) => (opens++, cache.getOrCreate(pathOf(cid))),
    cached: (file) => cache.getOrCreate(file.path) === file,
    statEveryMs: 0,
  });
  try {
    const cid = put();
    const first = objects.open(cid);
    assert.is(objects.open(cid), first);
    assert.is(opens, 1);
    assert.ok(cache.evict(pathOf(cid)));
    assert.ok(first.closed, 'the eviction unmapped it');
    const second = objects.open(cid);
    assert.is(opens, 2);
    assert.is.not(second, first);
    assert.not.ok(second.closed);
    assert.is(objects.open(cid), second);
    assert.is(opens, 2);
    // Cleared: every file unmapped, so the kept one is closed and opened anew.
    cache.clear();
    const third = objects.open(cid);
    assert.is(opens, 3);
    assert.not.ok(third.closed);
    assert.is(objects.descriptors, 1);
  } finally {
    objects.close();
    cache.clear();
  }
  assert.is(objects.descriptors, 0);
});

test('a kept file that was closed forces a reopen', async () => {
  // cached() left true, so that only the closed flag tells.
  await withObjects({ statEveryMs: 60_000 }, ({ objects, calls }) => {
    const cid = put();
    const first = objects.open(cid);
    first.close();
    const second = objects.open(cid);
    assert.is(calls.length, 2);
    assert.is.not(second, first);
    assert.not.ok(second.closed);
    assert.is(objects.open(cid), second);
    assert.is(calls.length, 2);
    assert.is(objects.descriptors, 1);
  });
});

test('a hard-linked object (nlink 2) is checked by path: no descriptor, truncation still seen', async () => {
  await withObjects({ statEveryMs: 0 }, ({ objects, calls }) => {
    const cid = put();
    linkSync(pathOf(cid), `${pathOf(cid)}.link`);
    assert.is(statSync(pathOf(cid)).nlink, 2);
    const first = objects.open(cid);
    assert.is(objects.descriptors, 0, 'no descriptor for a hard-linked object');
    assert.equal(fdsInTempDir(), []);
    assert.is(objects.open(cid), first, 'unchanged: kept');
    assert.is(calls.length, 1);
    truncateSync(pathOf(cid), 100);
    const second = objects.open(cid);
    assert.is(calls.length, 2, 'the truncation seen by path');
    assert.is(second.size, 100);
    assert.is(objects.open(cid), second);
    appendFileSync(pathOf(cid), Buffer.alloc(10));
    assert.is(objects.open(cid).size, 110, 'growth seen by path');
    unlinkSync(pathOf(cid));
    assert.throws(() => objects.open(cid), /not|ENOENT|exist/i, 'removal seen by path');
    assert.is(calls.length, 4);
  });
});

test('checked by path: a same-size rewrite or a rename over it is seen too (inode and ctime, not just the size)', async () => {
  await withObjects({ statEveryMs: 0, descriptors: 0 }, ({ objects, calls }) => {
    const cid = put();
    const first = objects.open(cid);
    assert.is(objects.descriptors, 0);
    assert.is(objects.open(cid), first);
    // Same size, new inode: a file renamed over the object.
    const other = `${pathOf(cid)}.new`;
    writeFileSync(other, Buffer.alloc(SIZE, 9));
    renameSync(other, pathOf(cid));
    const second = objects.open(cid);
    assert.is(calls.length, 2, 'a rename over it is seen by path');
    assert.is.not(second, first);
    // Same size, same inode: a chmod changes the ctime.
    chmodSync(pathOf(cid), 0o400);
    objects.open(cid);
    assert.is(calls.length, 3, 'a change of ctime is seen by path');
  });
});

test('options out of range are refused at construction', () => {
  const open = () => {
    throw new Error('not called');
  };
  const cached = () => true;
  for (const bad of [{ entries: 0 }, { entries: Number.NaN }, { descriptors: -1 }, { recheckMs: 0 }, { statEveryMs: -1 }]) {
    assert.throws(() => new OpenedObjects({ open, cached, ...bad }), RangeError, JSON.stringify(bad));
  }
});

test('an object that gains a hard link after it was opened is checked again, then by path', async () => {
  await withObjects({ statEveryMs: 0 }, ({ objects, calls }) => {
    const cid = put();
    const first = objects.open(cid);
    assert.is(objects.descriptors, 1);
    linkSync(pathOf(cid), `${pathOf(cid)}.link`);
    const second = objects.open(cid);
    assert.is(calls.length, 2, 'nlink 2 on the held descriptor: the full check again');
    assert.is.not(second, first);
    assert.is(objects.descriptors, 0, 'now checked by path');
    assert.is(objects.open(cid), second);
    assert.is(calls.length, 2);
    // Replaced by a rename over the path while the other link keeps the old inode: the size tells, by path.
    writeFileSync(`${pathOf(cid)}.new`, Buffer.alloc(SIZE + 1));
    renameSync(`${pathOf(cid)}.new`, pathOf(cid));
    assert.is(objects.open(cid).size, SIZE + 1);
    assert.is(calls.length, 3);
  });
});

test('descriptor budget: at most `descriptors` held; objects past it are checked by path', async () => {
  const cids = Array.from({ length: 5 }, () => put());
  await sleep(TICK_MS);
  await withObjects({ descriptors: 2, statEveryMs: 0 }, ({ objects, calls }) => {
    const first = cids.map((cid) => {
      const file = objects.open(cid);
      assert.ok(objects.descriptors <= 2);
      return file;
    });
    assert.is(objects.descriptors, 2);
    assert.is(fdsInTempDir().length, 2);
    cids.forEach((cid, i) => assert.is(objects.open(cid), first[i], `${cid}: kept`));
    assert.is(calls.length, 5);
    // Truncate every one of them: those with a descriptor and those past the budget alike see it at the next open.
    cids.forEach((cid, i) => truncateSync(pathOf(cid), 1000 + i));
    cids.forEach((cid, i) => {
      const file = objects.open(cid);
      assert.is.not(file, first[i], `${cid}: the truncation seen`);
      assert.is(file.size, 1000 + i);
      assert.is(count(calls, cid), 2, `${cid}: open() once more`);
      assert.ok(objects.descriptors <= 2, `${objects.descriptors} descriptors`);
      assert.ok(fdsInTempDir().length <= 2);
    });
    assert.is(calls.length, 10);
    assert.is(fdsInTempDir().length, objects.descriptors);
  });
});

test('entries capacity: a 4th object evicts the oldest, closing its descriptor', async () => {
  await withObjects({ entries: 3, statEveryMs: 0 }, ({ objects, calls }) => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => put());
    const fa = objects.open(a!);
    const fb = objects.open(b!);
    const fc = objects.open(c!);
    assert.is(objects.descriptors, 3);
    // d hard-linked (checked by path, no descriptor of its own), so that the count shows a's descriptor closed.
    linkSync(pathOf(d!), `${pathOf(d!)}.link`);
    objects.open(d!);
    assert.is(objects.descriptors, 2, 'the oldest (a) evicted: its descriptor closed');
    assert.equal(fdsInTempDir().sort(), [pathOf(b!), pathOf(c!)]);
    assert.is(objects.open(b!), fb);
    assert.is(objects.open(c!), fc);
    assert.is(calls.length, 4);
    const fa2 = objects.open(a!);
    assert.is(count(calls, a!), 2, 'a was forgotten: open() again');
    assert.is.not(fa2, fa);
    // Oldest out first, by insertion: a's return evicted b.
    assert.is(objects.open(c!), fc);
    assert.is(count(calls, c!), 1);
    objects.open(b!);
    assert.is(count(calls, b!), 2, 'b was evicted by a');
    assert.ok(objects.descriptors <= 3);
    assert.is(fdsInTempDir().length, objects.descriptors);
  });
});

test('the sweep closes descriptors idle past recheckMs; close() closes all', async () => {
  await withObjects({ recheckMs: 20 }, ({ objects, calls, elapse, sweeps }) => {
    const cids = Array.from({ length: 3 }, () => put());
    for (const cid of cids) objects.open(cid);
    assert.is(objects.descriptors, 3);
    // The sweep runs every 5 * recheckMs (100 ms), once a descriptor is held: one sweep scheduled for all three.
    assert.equal(sweeps.map(({ ms, stopped }) => ({ ms, stopped })), [{ ms: 100, stopped: false }]);
    elapse(100);
    assert.is(objects.descriptors, 0, 'swept');
    assert.is(sweeps[0]!.stopped, true, 'the sweep stops once no descriptor is held');
    assert.equal(fdsInTempDir(), []);
    // The swept entries are gone: open() runs again (and the sweep starts again with the new descriptors).
    for (const cid of cids) objects.open(cid);
    assert.is(calls.length, 6);
    assert.is(objects.descriptors, 3);
    assert.is(sweeps.length, 2, 'a new sweep scheduled');
    elapse(100);
    assert.is(objects.descriptors, 0, 'swept again');
  });
  await withObjects({}, ({ objects, calls }) => {
    const cids = Array.from({ length: 4 }, () => put());
    const files = cids.map((cid) => objects.open(cid));
    assert.is(objects.descriptors, 4);
    assert.is(fdsInTempDir().length, 4);
    objects.close();
    assert.is(objects.descriptors, 0);
    assert.equal(fdsInTempDir(), []);
    objects.close(); // idempotent
    assert.is(objects.descriptors, 0);
    // Still usable after close(): every entry was forgotten, so open() runs again.
    const reopened = objects.open(cids[0]!);
    assert.is(calls.length, 5);
    assert.is.not(reopened, files[0]);
    assert.is(objects.descriptors, 1);
  });
});

test('open() throwing propagates and leaves no entry behind', async () => {
  await withObjects({ statEveryMs: 0 }, ({ objects, calls, failFor }) => {
    const cid = put();
    failFor(cid);
    assert.throws(() => objects.open(cid), /removed from the store/);
    assert.throws(() => objects.open(cid), /removed from the store/);
    assert.is(calls.length, 2, 'nothing kept: open() each time');
    assert.is(objects.descriptors, 0);
    failFor(null);
    const file = objects.open(cid);
    assert.is(calls.length, 3);
    assert.is(objects.open(cid), file);
    // A kept entry that changed, whose full check now fails: the old entry is dropped with its descriptor.
    assert.is(objects.descriptors, 1);
    truncateSync(pathOf(cid), 10);
    failFor(cid);
    assert.throws(() => objects.open(cid), /removed from the store/);
    assert.is(calls.length, 4);
    assert.is(objects.descriptors, 0, 'its descriptor closed');
    assert.equal(fdsInTempDir(), []);
    assert.throws(() => objects.open(cid), /removed from the store/);
    assert.is(calls.length, 5, 'and no entry left to return');
    failFor(null);
    assert.is(objects.open(cid).size, 10);
    assert.is(calls.length, 6);
  });
});

test.run();
