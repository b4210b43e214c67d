import { UsageError, parseByteRange } from '../config.ts';
import { MmapCache } from '../mmap/index.ts';
import { StoreError } from '../store/errors.ts';
import { TensorReader } from '../store/tensor-reader.ts';
import { tensorPayload, type PayloadFormat } from '../store/tensor-payload.ts';
import { formattedPayload, partBuffers, subsetPayload } from '../store/format-payload.ts';
import { parseTensorList } from '../http/paths.ts';
import { writeParts } from './output.ts';
import { openStore, parse, requireOne, storeOption, type Command } from './common.ts';

export const cat: Command = {
  async run(args, io) {
    const { values, positionals } = parse(args, {
      ...storeOption,
      range: { type: 'string' },
      tensor: { type: 'string' },
      slice: { type: 'string' },
      format: { type: 'string' },
      tensors: { type: 'string' },
    });
    const cid = requireOne(positionals, 'CID');
    const format = values.format ?? 'raw';
    if (!['raw', 'npy', 'arrow', 'safetensors'].includes(format)) throw new UsageError(`unknown format ${format}: use raw, npy, arrow or safetensors`);
    const subset = values.tensors === undefined ? null : parseTensorList(values.tensors);
    if (values.tensors !== undefined && subset === null) throw new UsageError('--tensors takes tensor names joined by commas (or a JSON array of names)');
    if (subset && (values.tensor !== undefined || values.slice !== undefined || values.format !== undefined || values.range !== undefined)) {
      throw new UsageError('--tensors writes a safetensors file of those tensors; it does not combine with --tensor, --slice, --format or --range');
    }
    const wantsTensor = values.tensor !== undefined || values.slice !== undefined || values.format !== undefined;
    if (values.range !== undefined && wantsTensor) throw new UsageError('--range reads the file\'s bytes; it does not combine with --tensor, --slice or --format');
    const store = openStore(values.store, io);
    const reader = new TensorReader(store, new MmapCache({ maxEntries: 4 }));
    try {
      if (subset) {
        const file = store.getFile(cid);
        if (!file) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
        const payload = subsetPayload(reader, file, (name) => store.getTensor(cid, name), subset);
        await writeParts(io.stdout, partBuffers(reader, cid, payload.parts()));
        return 0;
      }
      if (!wantsTensor) {
        const file = store.getFile(cid);
        if (!file) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
        const [start, end] = values.range === undefined ? [0, file.size] : parseByteRange(values.range, file.size);
        await writeParts(io.stdout, [reader.range(cid, start, end)]);
        return 0;
      }
      if (!store.getFile(cid)) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
      const tensor = store.getTensor(cid, values.tensor);
      if (!tensor) throw new StoreError('NOT_FOUND', `file ${cid} has no tensor named ${JSON.stringify(values.tensor)}`);
      if (format === 'arrow' || format === 'safetensors') {
        const payload = formattedPayload(reader, tensor, { slice: values.slice, format });
        await writeParts(io.stdout, partBuffers(reader, cid, payload.parts()));
        return 0;
      }
      const payload = tensorPayload(reader, tensor, { slice: values.slice, format: format as PayloadFormat });
      await writeParts(io.stdout, payload.parts);
      return 0;
    } finally {
      reader.cache.clear();
      store.close();
    }
  },
};
