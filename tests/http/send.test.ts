// Writing views to a response: every byte in order, backpressure bounds what waits in memory, and a client that
// goes away stops the pulling of views at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, get, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendViews, type BodySink } from '../../src/http/send.ts';

async function serve(handler: (res: ServerResponse) => Promise<void>): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => void handler(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

test('every byte, in order, across views of any size (empty ones included)', async () => {
  const big = Buffer.alloc(3 << 20, 7);
  const cases: Buffer[][] = [
    [],
    [Buffer.alloc(0)],
    [Buffer.from('a')],
    [Buffer.from('ab'), Buffer.from('cd')],
    [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')],
    [big, Buffer.from('x')],
    [Buffer.from('x'), big],
    [Buffer.alloc(0), Buffer.from('ab'), big, Buffer.alloc(0), Buffer.from('z')],
    [big],
  ];
  for (const views of cases) {
    const expected = Buffer.concat(views);
    let sent!: Promise<boolean>;
    const { server, url } = await serve(async (res) => {
      res.writeHead(200, { 'content-length': String(expected.length) });
      sent = sendViews(res, views, { chunkBytes: 1 << 20 });
      await sent;
    });
    const body = await new Promise<Buffer>((resolve) =>
      get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }),
    );
    const what = views.map((v) => v.length).join('+');
    assert.ok(body.equals(expected), what);
    assert.is(await sent, true, what);
    await stop(server);
  }
});

/**
 * A sink over a response that counts what waits in it: the body bytes (and writes) whose write callback (handed to
 * the kernel) has not come yet, counted at every write and callback rather than read by a sampler on a clock.
 */
function countingSink(res: ServerResponse, seen: { writes: number; maxQueued: number; maxWrites: number }): BodySink {
  let queued = 0;
  let waiting = 0;
  return {
    write(view: Uint8Array, callback: (error?: Error | null) => void) {
      seen.writes++;
      queued += view.byteLength;
      waiting++;
      seen.maxQueued = Math.max(seen.maxQueued, queued);
      seen.maxWrites = Math.max(seen.maxWrites, waiting);
      return res.write(view, (error) => {
        queued -= view.byteLength;
        waiting--;
        callback(error);
      });
    },
    end: res.end.bind(res),
    destroy: res.destroy.bind(res),
    get destroyed() {
      return res.destroyed;
    },
    get writableFinished() {
      return res.writableFinished;
    },
    on: res.on.bind(res),
    off: res.off.bind(res),
  };
}

/** GETs url, reading slowly (a pause after every chunk); resolves with the bytes received. */
function slowRead(url: string): Promise<number> {
  let received = 0;
  return new Promise<number>((resolve) => get(url, (res) => {
    res.on('data', (c: Buffer) => {
      received += c.length;
      res.pause();
      setImmediate(() => res.resume());
    });
    res.on('end', () => resolve(received));
  }));
}

test('a slow reader: at most depth x chunk bytes wait in the response at any time', async () => {
  const chunk = 64 << 10;
  const depth = 3;
  const total = 16 << 20;
  const seen = { writes: 0, maxQueued: 0, maxWrites: 0 };
  const { server, url } = await serve(async (res) => {
    res.writeHead(200, { 'content-length': String(total) });
    await sendViews(countingSink(res, seen), [Buffer.alloc(total, 1)], { chunkBytes: chunk, depth });
  });
  assert.is(await slowRead(url), total);
  assert.ok(seen.writes >= total / chunk - 1, `${seen.writes} writes (the last chunk goes with end)`);
  assert.ok(seen.maxQueued <= depth * chunk, `queued up to ${seen.maxQueued} bytes`);
  await stop(server);
});

test("small views between large ones (a CAR's frames) count by their bytes: they do not take the large ones' places", async () => {
  const chunk = 64 << 10;
  const depth = 3;
  const blocks = 128;
  const total = blocks * (40 + chunk);
  const seen = { writes: 0, maxQueued: 0, maxWrites: 0 };
  const { server, url } = await serve(async (res) => {
    res.writeHead(200, { 'content-length': String(total) });
    const views = Array.from({ length: blocks }, (_, i) => [Buffer.alloc(40, i), Buffer.alloc(chunk, i)]).flat();
    await sendViews(countingSink(res, seen), views, { chunkBytes: chunk, depth });
  });
  assert.is(await slowRead(url), total);
  // Bounded by bytes (a view may start just under the bound)...
  assert.ok(seen.maxQueued <= (depth + 1) * chunk, `queued up to ${seen.maxQueued} bytes`);
  // ...so that as many large views wait as with no frames between them: 3 of them and their frames.
  assert.ok(seen.maxQueued >= depth * chunk, `queued up to ${seen.maxQueued} bytes: the frames took the places of chunks`);
  assert.ok(seen.maxWrites > depth, `${seen.maxWrites} writes waiting at most`);
  await stop(server);
});

test('a client that goes away: false, and no more views are pulled', async () => {
  let pulled = 0;
  let finished = false;
  let result: boolean | null = null;
  function* views() {
    try {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield Buffer.alloc(1 << 20, i);
      }
    } finally {
      finished = true;
    }
  }
  const done = new Promise<void>((resolve) => {
    void serve(async (res) => {
      res.writeHead(200, { 'content-length': String(1000 << 20) });
      result = await sendViews(res, views());
      resolve();
    }).then(({ server, url }) => {
      const req = get(url, (res) => res.once('data', () => req.destroy()));
      req.on('error', () => {});
      void done.then(() => stop(server));
    });
  });
  await done;
  assert.is(result, false);
  assert.ok(pulled < 100, `pulled ${pulled} of 1000 views`);
  assert.ok(finished, 'the generator was closed, so its finally ran');
});

test.run();
