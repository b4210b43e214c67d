/** UNAVAILABLE: content the store lacks that no peer gave (src/ipfs/peers.ts). */
export type StoreErrorCode = 'NOT_FOUND' | 'INVALID_FORMAT' | 'TOO_LARGE' | 'IO' | 'INVALID_ARGUMENT' | 'NO_SPACE' | 'UNAVAILABLE';

/** Expected store failures; `code` is stable for callers (CLI exit messages, GraphQL typed errors, HTTP statuses). */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
