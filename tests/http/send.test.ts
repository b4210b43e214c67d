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

test('a slow reader: at most depth x chunk bytes wait in the response at any time', async () => {
  const chunk = 64 << 10;
  const depth = 3;
  const total = 16 << 20;
  let maxQueued = 0;
  let writes = 0;
  const { server, url } = await serve(async (res) => {
    res.writeHead(200, { 'content-length': String(total) });
    // What waits in the response: the body bytes written whose write callback (handed to the kernel) has not come
    // yet, counted at every write and callback rather than read by a sampler on a clock.
    let queued = 0;
    const sink: BodySink = {
      write(view: Uint8Array, callback: (error?: Error | null) => void) {
        writes++;
        queued += view.byteLength;
        maxQueued = Math.max(maxQueued, queued);
        return res.write(view, (error) => {
          queued -= view.byteLength;
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
    await sendViews(sink, [Buffer.alloc(total, 1)], { chunkBytes: chunk, depth });
  });
  let received = 0;
  await new Promise<void>((resolve) => get(url, (res) => {
    res.on('data', (c: Buffer) => {
      received += c.length;
      res.pause();
      setImmediate(() => res.resume());
    });
    res.on('end', resolve);
  }));
  assert.ok(writes >= total / chunk - 1, `${writes} writes (the last chunk goes with end)`);
  assert.is(received, total);
  assert.ok(maxQueued <= depth * chunk, `queued up to ${maxQueued} bytes`);
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
