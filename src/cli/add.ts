import { isDType } from '../tensor/dtype.ts';
import { parseShape, UsageError } from '../config.ts';
import { openStore, parse, println, storeOption, type Command } from './common.ts';

export const add: Command = {
  async run(args, io) {
    const { values, positionals } = parse(args, { ...storeOption, dtype: { type: 'string' }, shape: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length === 0) throw new UsageError('give at least one file to add');
    const dtype = values.dtype?.toUpperCase();
    if (dtype !== undefined && !isDType(dtype)) throw new UsageError(`unknown dtype ${values.dtype}`);
    if ((dtype === undefined) !== (values.shape === undefined)) throw new UsageError('raw bytes need both --dtype and --shape');
    const shape = values.shape === undefined ? undefined : parseShape(values.shape);
    const store = openStore(values.store, io);
    try {
      for (const path of positionals) {
        const { file, created } = await store.add(path, { dtype: dtype as never, shape });
        if (values.json) println(io.stdout, JSON.stringify({ ...file, created, path }));
        else println(io.stdout, `${file.cid}  ${file.tensorCount} tensor${file.tensorCount === 1 ? '' : 's'}  ${file.format}  ${path}${created ? '' : '  (already stored)'}`);
      }
    } finally {
      store.close();
    }
    return 0;
  },
};
