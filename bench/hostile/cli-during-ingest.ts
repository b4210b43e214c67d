// Issue 13 acceptance: `ipfrs ls` and `ipfrs verify` (real processes) run five times each during a 512 MiB
// `ipfrs add`, and during a GraphQL upload into a running server: both ingests succeed.
// Run: node --import tsx bench/hostile/cli-during-ingest.ts [addMiB] [uploadMiB]
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, startIpfrs } from '../lib/servers.ts';
import { upload } from './lib.ts';

const ADD_MIB = Number(process.argv[2] ?? 512);
const UPLOAD_MIB = Number(process.argv[3] ?? 256);
const dir = mkdtempSync(join(tmpdir(), 'ipfrs-cli-ingest-'));
const root = join(dir, 'store');

function cli(args: string[]): Promise<{ code: number; out: string; ms: number }> {
  const t = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), ...args, '--store', root], { cwd: REPO_ROOT });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code: code ?? -1, out, ms: performance.now() - t })));
}

/** Five `ls` and five `verify`, the two sequences side by side, while `busy()` holds; exit codes of each. */
async function meanwhile(busy: () => boolean): Promise<{ ls: number[]; verify: number[]; duringIngest: number }> {
  const codes = { ls: [] as number[], verify: [] as number[], duringIngest: 0 };
  const loop = async (command: 'ls' | 'verify') => {
    for (let i = 0; i < 5; i++) {
      const during = busy();
      const r = await cli([command]);
      codes[command].push(r.code);
      if (during && busy()) codes.duringIngest++;
      if (r.code !== 0) console.log(`${command} exited ${r.code}: ${r.out.slice(0, 300)}`);
    }
  };
  await Promise.all([loop('ls'), loop('verify')]);
  return codes;
}

try {
  const big = join(dir, 'big.bin');
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(big);
    const chunk = Buffer.alloc(1 << 20);
    let i = 0;
    const write = () => {
      while (i < ADD_MIB) {
        chunk.writeUInt32LE(i++, 0);
        if (!out.write(Buffer.from(chunk))) return void out.once('drain', write);
      }
      out.end(resolve);
    };
    out.on('error', reject);
    write();
  });
  await cli(['ls']);
  let adding = true;
  const add = cli(['add', big, '--dtype', 'U8', '--shape', String(ADD_MIB << 20)]).finally(() => (adding = false));
  const duringAdd = await meanwhile(() => adding);
  const added = await add;
  console.log(JSON.stringify({ add: { mib: ADD_MIB, code: added.code, seconds: +(added.ms / 1000).toFixed(1), out: added.out.trim().split('\n').at(-1) }, meanwhile: duringAdd }));

  const server = await startIpfrs(root, dir, 'ipfrs-cli-ingest');
  try {
    const token = readFileSync(join(root, 'admin-token'), 'utf8').trim();
    let uploading = true;
    const up = upload(server.url, token, UPLOAD_MIB << 20, 99).finally(() => (uploading = false));
    const duringUpload = await meanwhile(() => uploading);
    const result = await up;
    const file = JSON.parse(result.body).data?.addTensorFile;
    console.log(JSON.stringify({ upload: { mib: UPLOAD_MIB, status: result.status, typename: file?.__typename, size: file?.size, message: file?.message, seconds: +(result.ms / 1000).toFixed(1) }, meanwhile: duringUpload }));
  } finally {
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
