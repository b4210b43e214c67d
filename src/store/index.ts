export { TensorStore, type AddOptions, type VerifyResult, type OpenReport } from './tensor-store.ts';
export { StoreError, type StoreErrorCode } from './errors.ts';
export { normaliseCid, assertCid, cidOfBytes } from './cid.ts';
export type { FileRecord, TensorRecord, Page, TensorFilter, FileFormat } from './types.ts';
