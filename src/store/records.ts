// Turns a parsed header into the records the index keeps. Pure.
import type { ParsedFile } from '../tensor/types.ts';
import type { ObjectMeta } from './object-store.ts';
import type { FileRecord, TensorRecord } from './types.ts';

export function recordsOf(cid: string, size: number, parsed: ParsedFile, meta: ObjectMeta): { file: FileRecord; tensors: TensorRecord[] } {
  const tensors: TensorRecord[] = parsed.tensors.map((t) => ({ cid, ...t }));
  const file: FileRecord = {
    cid,
    size,
    format: parsed.format,
    metadata: parsed.metadata,
    tensorCount: tensors.length,
    addedAt: meta.addedAt,
    sourceName: meta.sourceName,
  };
  return { file, tensors };
}

/** The name a single-tensor file's tensor gets: the file's base name without extension. */
export function singleTensorName(sourceName: string | null | undefined): string {
  const base = (sourceName ?? '').split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.(npy|bin|raw)$/i, '');
  return stem || 'array';
}
