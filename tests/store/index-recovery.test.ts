// The index is checked when opened (src/store/tensor-index.ts check, src/store/tensor-store.ts openIndex): one
// corrupt behind a valid header (bytes after the first page overwritten) used to pass the constructor and fail
// every later query, leaving the server, `ipfrs ls` and `ipfrs verify` refusing to run. Now it is set aside and
// rebuilt from the objects, loudly (the server's log, the CLI's stderr), while a failure that is not corruption
// (a full disk, a lock, a permission) never renames the live index.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/server.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../../src/devkit/paths.ts';

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

/** A store of `count` raw files with enough rows that the index spans several pages; returns the CIDs. */
async function seed(root: string, count = 40): Promise<string[]> {
  const store = TensorStore.open(root);
  const cids: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const bytes = Buffer.alloc(64 + i, i);
      cids.push((await store.add(once(bytes), { dtype: 'U8', shape: [bytes.length], name: `t${i}.bin` })).file.cid);
    }
  } finally {
    store.close();
  }
  return cids.sort();
}

/** Overwrites everything after the first page (the header stays valid): SQLite opens it and fails later. */
function corruptPastHeader(root: string): void {
  const path = join(root, 'index.sqlite');
  const size = statSync(path).size;
  assert.ok(size > 4096 * 2, `index of ${size} bytes spans pages`);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
  closeSync(fd);
}

const asideFiles = (root: string) => readdirSync(root).filter((n) => n.includes('.corrupt-'));

test('a store opened on an index corrupt past its header rebuilds it and says what was rebuilt', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  try {
    const cids = await seed(root);
    corruptPastHeader(root);
    const store = TensorStore.open(root);
    try {
      const report = store.openReport;
      assert.ok(report.rebuilt);
      assert.ok(report.corruptIndex, 'the corruption is reported');
      assert.match(report.corruptIndex!.setAsideAs, /index\.sqlite\.corrupt-\d+$/);
      assert.is(report.indexedFromObjects, cids.length);
      assert.equal(store.listFiles({ first: 1000 }).items.map((f) => f.cid).sort(), cids);
      assert.is(asideFiles(root).filter((n) => !n.endsWith('-wal')).length, 1, 'set aside, not deleted');
    } finally {
      store.close();
    }
  } finally {
    dir.cleanup();
  }
});

test('the next CLI command rebuilds it too, with a warning on stderr naming the index; ls and verify then work', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  try {
    const cids = await seed(root);
    corruptPastHeader(root);
    const ls = await runCli(['ls', '--json', '--store', root]);
    assert.is(ls.code, 0, ls.stderr);
    assert.match(ls.stderr, /^ipfrs: warning: the index was corrupt \(.+\): set aside as .*index\.sqlite\.corrupt-\d+ and rebuilt from objects\/ \(40 files indexed\)$/m);
    assert.equal(ls.stdout.toString().trim().split('\n').map((l) => JSON.parse(l).cid).sort(), cids);
    const verify = await runCli(['verify', '--store', root]);
    assert.is(verify.code, 0, verify.stdout.toString());
    assert.is(verify.stderr, '', 'rebuilt once: the next command has nothing to say');
  } finally {
    dir.cleanup();
  }
});

test('the server rebuilds it at start and logs a warning naming it', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  try {
    const cids = await seed(root, 30);
    corruptPastHeader(root);
    const lines: string[] = [];
    const server = await startServer({ storeRoot: root, port: 0, logger: createLogger({ level: 'warn', write: (l) => void lines.push(l) }) });
    try {
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === 'warn');
      assert.ok(warnings.some((w) => /^store: the index was corrupt .*rebuilt from objects\/ \(30 files indexed\)$/.test(w.msg)), JSON.stringify(warnings));
      const response = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ tensorFiles(first: 100) { totalCount } }' }),
      });
      assert.equal(await response.json(), { data: { tensorFiles: { totalCount: cids.length } } });
    } finally {
      await server.close();
    }
  } finally {
    dir.cleanup();
  }
});

test('an index that cannot be opened for another reason (here: a folder in its place) is not renamed', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  try {
    mkdirSync(join(root, 'index.sqlite'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const cli = await runCli(['ls', '--store', root]);
      assert.is(cli.code, 1);
      assert.match(cli.stderr, /^ipfrs: /);
    }
    assert.equal(asideFiles(root), []);
    assert.ok(statSync(join(root, 'index.sqlite')).isDirectory());
  } finally {
    dir.cleanup();
  }
});

test('on a full disk (a tmpfs, root only) ls and verify never rename the live index', async () => {
  const path = mkdtempSync(join(tmpdir(), 'ipfrs-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', path], { stdio: 'pipe' });
  } catch {
    rmSync(path, { recursive: true, force: true });
    console.log('  skipped: cannot mount a tmpfs here (run as root to test a full disk)');
    return;
  }
  try {
    const root = join(path, 'store');
    const cids = await seed(root, 20);
    // Fill every last block, then every inode-free byte: the index and its -shm must be written to, and cannot.
    rmSync(join(root, 'index.sqlite-shm'), { force: true });
    rmSync(join(root, 'index.sqlite-wal'), { force: true });
    const s = statfsSync(path);
    writeFileSync(join(path, 'filler'), Buffer.alloc(s.bavail * s.bsize));
    for (let n = 0; n < 64; n++) {
      try {
        writeFileSync(join(path, `small-${n}`), Buffer.alloc(512));
      } catch {
        break;
      }
    }
    for (let run = 0; run < 7; run++) {
      for (const command of ['ls', 'verify']) {
        const cli = await runCli([command, '--store', root]);
        // Either it works (nothing to write) or it says the disk is full: never 'corrupt'.
        assert.ok(cli.code === 0 || /no space left on the store's disk/.test(cli.stderr), `${command}: ${cli.code} ${cli.stderr}`);
        assert.not.match(cli.stderr, /corrupt/);
      }
    }
    assert.equal(asideFiles(root), [], 'nothing renamed');
    rmSync(join(path, 'filler'));
    const store = TensorStore.open(root);
    try {
      assert.equal(store.listFiles({ first: 100 }).items.map((f) => f.cid).sort(), cids, 'the same index, whole');
      assert.is(store.openReport.corruptIndex, null);
    } finally {
      store.close();
    }
  } finally {
    execFileSync('umount', [path]);
    rmSync(path, { recursive: true, force: true });
  }
});

test.run();
