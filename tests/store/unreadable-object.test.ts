// An object the store cannot read (permissions, not a regular file, mmap refused) is the store's fault and the
// same typed error on every interface (src/store/tensor-reader.ts): StoreError IO, which GraphQL answers as a
// StoreUnavailableError and the download route as 500 STORE_ERROR. It used to reach GraphQL as a raw MmapError,
// masked as INTERNAL_SERVER_ERROR. (Running as root, a real EACCES cannot be made: the cache is made to refuse.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { MmapError } from '../../src/mmap/errors.ts';
import { startServer } from '../../src/server.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { StoreError } from '../../src/store/errors.ts';
import { TensorReader } from '../../src/store/tensor-reader.ts';
import { TensorStore } from '../../src/store/tensor-store.ts';
import { tempDir } from '../../src/devkit/paths.ts';

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

const refusing = (code: 'PERMISSION_DENIED' | 'NOT_A_FILE' | 'MMAP_FAILED') => () => {
  throw new MmapError(code, `cannot map: ${code}`, { path: '/somewhere/secret', errno: 13, syscall: 'open' });
};

test('every reader call on an unreadable object throws StoreError IO naming the CID', async () => {
  const dir = tempDir();
  const store = TensorStore.open(join(dir.path, 'store'));
  try {
    const { file } = await store.add(once(Buffer.alloc(64, 1)), { dtype: 'U8', shape: [64], name: 'x' });
    for (const code of ['PERMISSION_DENIED', 'NOT_A_FILE', 'MMAP_FAILED'] as const) {
      const reader = new TensorReader(store, { getOrCreate: refusing(code), evict() {} } as never);
      for (const read of [() => reader.blob(file.cid), () => reader.copyRange(file.cid, 0, 8), () => reader.range(file.cid, 0, 8)]) {
        assert.throws(read, (e: unknown) => e instanceof StoreError && e.code === 'IO' && e.message.includes(file.cid) && e.message.includes(code));
      }
    }
  } finally {
    store.close();
    dir.cleanup();
  }
});

test('live: GraphQL answers StoreUnavailableError (never INTERNAL_SERVER_ERROR), downloads 500 STORE_ERROR', async () => {
  const dir = tempDir();
  const server = await startServer({ storeRoot: join(dir.path, 'store'), port: 0, logger: silentLogger, publicMode: true });
  try {
    const { file } = await server.store.add(once(Buffer.alloc(64, 1)), { dtype: 'U8', shape: [64], name: 'x' });
    server.cache.clear();
    server.cache.getOrCreate = refusing('PERMISSION_DENIED');
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($cid: CID!) { tensor(cid: $cid) { slice(spec: "0:4") { __typename ... on Error { message code } } } tensorFile(cid: $cid) { byteRange(start: 0, end: 4) { __typename ... on Error { message code } } } }',
        variables: { cid: file.cid },
      }),
    });
    assert.is(response.status, 200);
    const body = await response.json();
    assert.is(body.errors, undefined, JSON.stringify(body.errors));
    for (const result of [body.data.tensor.slice, body.data.tensorFile.byteRange]) {
      assert.is(result.__typename, 'StoreUnavailableError');
      assert.is(result.code, 'STORE_ERROR');
      assert.match(result.message, new RegExp(`${file.cid} cannot be read \\(PERMISSION_DENIED\\); run ipfrs verify`));
      assert.not.match(result.message, /somewhere/);
    }
    const download = await fetch(`${server.url}/v1/blob/${file.cid}`);
    assert.is(download.status, 500);
    assert.match(await download.text(), /STORE_ERROR/);
  } finally {
    await server.close();
    dir.cleanup();
  }
});

test.run();
