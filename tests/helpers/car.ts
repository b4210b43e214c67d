// The CARv1 bytes @ipld/car's own CarWriter writes for some blocks: the reference the CAR code is checked against.
import { CarWriter } from '@ipld/car/writer';
import type { CID } from 'multiformats/cid';

export async function carWriterBytes(root: CID, blocks: { cid: CID; bytes: Uint8Array }[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  const parts: Uint8Array[] = [];
  const reading = (async () => {
    for await (const part of out) parts.push(part);
  })();
  for (const block of blocks) await writer.put(block);
  await writer.close();
  await reading;
  return Buffer.concat(parts);
}
