// Which download requests name a CID the store lacks (and so, with peers, fetch it first).
import { isStoreCid } from '../store/cid.ts';

export interface CidLookup {
  getFile(cid: string): unknown;
}

/** The CID of `/v1/blob/<cid>` or `/v1/tensor/<cid>/...` when it is well formed and the store lacks it; else null. */
export function missingDownloadCid(url: string, store: CidLookup): string | null {
  const match = /^\/v1\/(?:blob|tensor)\/([^/?]+)/.exec(url);
  if (!match || !isStoreCid(match[1]!)) return null;
  return store.getFile(match[1]!) ? null : match[1]!;
}
