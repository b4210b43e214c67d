// Baseline: the plain grpc-js server most people would write for ReadSlice of a whole file: the same .proto and
// loader, a header, then fs.createReadStream's chunks (1 MiB, the size ipfrs sends) written as data messages
// with backpressure (pipe-like: wait for drain). Usage: grpc-read-stream.ts FILE PORT
import { Server, ServerCredentials, type ServerWritableStream, type ServiceDefinition } from '@grpc/grpc-js';
import { createReadStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { loadDefinition } from '../../src/grpc/proto.ts';

const [file, port] = process.argv.slice(2);
if (!file || !port) throw new Error('usage: grpc-read-stream.ts FILE PORT');
const size = statSync(file).size;

const server = new Server();
server.addService(loadDefinition()['ipfrs.v1.TensorService'] as ServiceDefinition, {
  async ReadSlice(call: ServerWritableStream<unknown, unknown>) {
    call.write({ header: { dtype: 'U8', shape: [size], byte_length: size, format: 'SLICE_FORMAT_RAW' } });
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      if (call.cancelled) return;
      if (!call.write({ data: chunk })) await once(call, 'drain');
    }
    call.end();
  },
});
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => {
  if (error) throw error;
});
