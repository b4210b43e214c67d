// Records the store hands to the CLI, the download route and GraphQL. Plain data, no I/O.
import type { DType } from '../tensor/dtype.ts';
import type { ParsedTensor, TensorFileFormat } from '../tensor/types.ts';

export type FileFormat = TensorFileFormat;

export interface FileRecord {
  /** CIDv1, raw codec, sha2-256, base32 (`bafkrei...`). */
  cid: string;
  /** Size of the object in bytes. */
  size: number;
  format: FileFormat;
  /** safetensors `__metadata__`, or null. */
  metadata: Record<string, string> | null;
  tensorCount: number;
  /** Unix milliseconds when first added. */
  addedAt: number;
  /** The file name given at add time, if any (informational only). */
  sourceName: string | null;
}

/** A tensor as the index keeps it: what the header parser found, and the CID of the file holding it. Names are
 * never empty: npy/raw tensors are named after their file (`array` when unknown). */
export interface TensorRecord extends ParsedTensor {
  cid: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque cursor of each item, same order as items. */
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counting a filtered million-row table costs tens of ms, so it is computed only when asked for. */
  totalCount(): number;
}

export interface TensorFilter {
  namePrefix?: string | null;
  dtype?: DType | null;
  cid?: string | null;
}
