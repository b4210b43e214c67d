// CIDv1, raw codec (0x55), sha2-256, base32: the only kind of CID this store mints or accepts.
import { createHash, type Hash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { code as RAW_CODEC } from 'multiformats/codecs/raw';
import { StoreError } from './errors.ts';

/** An incremental sha2-256: multiformats' own hasher takes the whole input at once. */
export function createCidHasher(): { update(chunk: Uint8Array): void; digest(): string } {
  const hash: Hash = createHash('sha256');
  return {
    update: (chunk) => void hash.update(chunk),
    digest: () => cidFromSha256(hash.digest()),
  };
}

export function cidFromSha256(digest: Uint8Array): string {
  return CID.create(1, RAW_CODEC, Digest.create(sha256.code, digest)).toString();
}

export function cidOfBytes(bytes: Uint8Array): string {
  return cidFromSha256(createHash('sha256').update(bytes).digest());
}

/** Returns the canonical string form, or null when `text` is not a CID this store could hold. */
export function normaliseCid(text: string): string | null {
  // Cheap shape check first: it also keeps path tricks ('..', '/', NUL) away from the parser.
  if (!/^b[a-z2-7]{58}$/.test(text)) return null;
  try {
    const cid = CID.parse(text);
    if (cid.version !== 1 || cid.code !== RAW_CODEC || cid.multihash.code !== sha256.code) return null;
    const canonical = cid.toString();
    return canonical === text ? canonical : null;
  } catch {
    return null;
  }
}

export function assertCid(text: string): string {
  const cid = normaliseCid(text);
  if (!cid) throw new StoreError('INVALID_ARGUMENT', `not a CID of this store (CIDv1 raw sha2-256 base32): ${JSON.stringify(text.slice(0, 100))}`);
  return cid;
}
