// Child process for the crash test: ingests a generated raw file into a store until it is killed.
import { TensorStore } from '../../src/store/tensor-store.ts';

const [root, seedText, sizeText] = process.argv.slice(2);
const seed = Number(seedText);
const size = Number(sizeText);

async function* bytes(): AsyncIterable<Uint8Array> {
  const chunk = Buffer.alloc(1 << 20);
  for (let offset = 0; offset < size; offset += chunk.length) {
    // Distinct content per seed, so every run makes a new object rather than hitting the idempotent path.
    chunk.fill(seed & 0xff);
    chunk.writeUInt32LE(seed, 0);
    chunk.writeUInt32LE(offset, 4);
    yield chunk.subarray(0, Math.min(chunk.length, size - offset));
  }
}

const store = TensorStore.open(root!);
process.stdout.write('ready\n');
await store.add(bytes(), { dtype: 'U8', shape: [size], name: `run-${seed}.bin` });
store.close();
process.stdout.write('done\n');
