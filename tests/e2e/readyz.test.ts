// /readyz beside /healthz (src/server.ts): /healthz says the process answers; /readyz whether it can serve
// (objects/ readable, the index answering a query, the mmap addon mapping a file), 503 with the reasons when not.
// The issue: with an index failing every query, /healthz said 200 and nothing said otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../../src/server.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { tempDir } from '../../src/devkit/paths.ts';

async function status(url: string): Promise<{ status: number; body: { status: string; reasons?: string[] } }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

test('/readyz: 200 when store, index and addon are usable; 503 naming what is not; /healthz stays 200', async () => {
  const dir = tempDir();
  const root = join(dir.path, 'store');
  const server = await startServer({ storeRoot: root, port: 0, logger: silentLogger });
  try {
    assert.equal(await status(`${server.url}/readyz`), { status: 200, body: { status: 'ready' } });
    const head = await fetch(`${server.url}/readyz`, { method: 'HEAD' });
    assert.is(head.status, 200);

    renameSync(join(root, 'objects'), join(root, 'objects-away'));
    const away = await status(`${server.url}/readyz`);
    assert.is(away.status, 503);
    assert.is(away.body.status, 'not ready');
    assert.match(away.body.reasons![0]!, /^store: objects\/ cannot be read \(ENOENT\)$/);
    assert.is((await fetch(`${server.url}/healthz`)).status, 200, 'liveness is not readiness');
    renameSync(join(root, 'objects-away'), join(root, 'objects'));
    assert.is((await status(`${server.url}/readyz`)).status, 200);

    renameSync(join(root, 'index.sqlite'), join(root, 'index-away'));
    const noMap = await status(`${server.url}/readyz`);
    assert.is(noMap.status, 503);
    assert.ok(noMap.body.reasons!.some((r) => /^mmap addon: /.test(r)), JSON.stringify(noMap.body));
    renameSync(join(root, 'index-away'), join(root, 'index.sqlite'));

    server.store.close();
    const closed = await status(`${server.url}/readyz`);
    assert.is(closed.status, 503);
    assert.match(closed.body.reasons![0]!, /^store: the index does not answer \(.+\)$/);
    assert.is((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.close();
    dir.cleanup();
  }
});

test.run();
