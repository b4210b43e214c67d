import { UsageError } from '../config.ts';
import { StoreError } from '../store/errors.ts';
import { assertCid } from '../store/cid.ts';
import { openStore, parse, println, storeOption, type Command } from './common.ts';

export const rm: Command = {
  async run(args, io) {
    const { values, positionals } = parse(args, storeOption);
    if (positionals.length === 0) throw new UsageError('give at least one CID to remove');
    positionals.forEach(assertCid);
    const store = openStore(values.store, io);
    try {
      for (const cid of positionals) {
        if (!store.remove(cid)) throw new StoreError('NOT_FOUND', `no file with CID ${cid}`);
        println(io.stdout, `removed ${cid}`);
      }
    } finally {
      store.close();
    }
    return 0;
  },
};
