// gRPC load from this process with grpc-js (ghz is not installed here): whole-tensor ReadSlice streams one after
// another, and unary calls kept `concurrency` in flight on one channel (HTTP/2 multiplexes them). The GraphQL
// rows it is compared with are loaded the same way (postLoad below), so both sides pay the same client.
import { credentials, loadPackageDefinition, type Client, type ClientReadableStream, type ServiceClientConstructor } from '@grpc/grpc-js';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROTO_FILES, SCHEMA_DIR, loadDefinition } from '../../src/grpc/proto.ts';
import { runBounded } from './load.ts';
import { REPO_ROOT } from './servers.ts';

export interface StreamLoad {
  bytesPerSecond: number;
  streams: number;
}

type Pkg = { ipfrs: { v1: { TensorService: ServiceClientConstructor } } };

export function tensorClient(address: string): Client & Record<string, (...args: unknown[]) => unknown> {
  const pkg = loadPackageDefinition(loadDefinition()) as unknown as Pkg;
  // The client sets how much a server may send before it hears back: grpc-js's default window is HTTP/2's 64 KiB,
  // which caps a stream at one 64 KiB burst per round trip whatever the server does. 16 MiB, as clients that
  // stream large messages set it (grpcio's C core grows its window to the bandwidth-delay product by itself).
  const options = { 'grpc-node.flow_control_window': 16 * 1024 * 1024 };
  return new pkg.ipfrs.v1.TensorService(address, credentials.createInsecure(), options) as unknown as Client & Record<string, (...args: unknown[]) => unknown>;
}

/** Whole ReadSlice streams for `seconds` (the last one finishes); bytes of data received per second. */
export async function readSliceLoad(address: string, request: object, seconds: number, expectedBytes: number): Promise<StreamLoad> {
  const client = tensorClient(address);
  try {
    const start = process.hrtime.bigint();
    const until = Date.now() + seconds * 1000;
    let bytes = 0;
    let streams = 0;
    do {
      let got = 0;
      await new Promise<void>((resolve, reject) => {
        const stream = client.ReadSlice!(request) as ClientReadableStream<{ data?: Buffer }>;
        stream.on('data', (m: { data?: Buffer }) => {
          if (m.data) got += m.data.byteLength;
        });
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      if (got !== expectedBytes) throw new Error(`ReadSlice sent ${got} bytes, expected ${expectedBytes}`);
      bytes += got;
      streams++;
    } while (Date.now() < until);
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    return { bytesPerSecond: bytes / elapsed, streams };
  } finally {
    client.close();
  }
}

/** `concurrency` calls in flight for `seconds`; completed calls per second. `once` makes one call. */
export async function callLoad(once: () => Promise<void>, seconds: number, concurrency: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  const start = process.hrtime.bigint();
  let calls = 0;
  const worker = async () => {
    while (Date.now() < until) {
      await once();
      calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return calls / (Number(process.hrtime.bigint() - start) / 1e9);
}

const PYTHON = '/usr/bin/python3';

/**
 * A grpcio (C core) client when Debian's python3-grpcio and protoc are here: messages generated into `tmpDir`.
 * Null when they are not (the rows then use the grpc-js client and say so).
 */
export function pythonReader(tmpDir: string): ((address: string, cid: string, name: string, seconds: number, expectedBytes: number) => Promise<StreamLoad>) | null {
  const generated = join(tmpDir, 'python-grpc');
  try {
    execFileSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' });
    mkdirSync(generated, { recursive: true });
    execFileSync('protoc', ['-I', SCHEMA_DIR, `--python_out=${generated}`, ...PROTO_FILES], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return async (address, cid, name, seconds, expectedBytes) => {
    const args = [join(REPO_ROOT, 'bench', 'clients', 'grpc_read.py'), address, generated, cid, name, String(seconds), String(expectedBytes)];
    const { stdout, stderr, code } = await runBounded(PYTHON, args, (seconds + 120) * 1000);
    if (code !== 0) throw new Error(`grpc_read.py exited ${code}: ${stderr.slice(0, 300)}`);
    return JSON.parse(stdout) as StreamLoad;
  };
}
