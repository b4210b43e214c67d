// Baseline: the plain Node file server most people would write, fs.createReadStream piped to the response,
// with single-range support so the Range rows compare like with like. Usage: read-stream.ts ROOT PORT
import { createReadStream, stat } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [root, port] = process.argv.slice(2);
if (!root || !port) throw new Error('usage: read-stream.ts ROOT PORT');

/** bytes=a-b, a- and -n; anything else is served whole, as nginx does for syntax it does not take. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header) : null;
  if (!match || (match[1] === '' && match[2] === '')) return null;
  if (match[1] === '') {
    const n = Math.min(Number(match[2]), size);
    return n === 0 ? 'unsatisfiable' : [size - n, size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size) return 'unsatisfiable';
  return start > end ? null : [start, end];
}

createServer((req, res) => {
  const name = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
  if (!name || name.includes('/') || name.startsWith('.')) {
    res.writeHead(404).end();
    return;
  }
  const path = join(root, name);
  stat(path, (error, info) => {
    if (error || !info.isFile()) {
      res.writeHead(404).end();
      return;
    }
    const range = parseRange(req.headers.range, info.size);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'Content-Range': `bytes */${info.size}` }).end();
      return;
    }
    const [start, end] = range ?? [0, info.size - 1];
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
    };
    if (range) headers['Content-Range'] = `bytes ${start}-${end}/${info.size}`;
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(path, { start, end }).pipe(res);
  });
}).listen(Number(port), '127.0.0.1');
