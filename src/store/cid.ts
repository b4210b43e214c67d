// CIDv1, raw codec (0x55), sha2-256, base32: the only kind of CID this store mints or accepts. Every parse, check
// and spelling of a CID in src/ goes through this file (the download paths, GraphQL's CID scalar and node ids, the
// store and the CLI), so a second kind of CID is added here once.
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

/** The kind of CID this store holds, in words, for descriptions and error messages. */
export const CID_KIND = 'CIDv1, raw codec, sha2-256, base32 lowercase';

/** `b` (multibase base32) and 58 characters of RFC 4648 base32 lowercase, unpadded: 36 bytes. */
const CID_SHAPE = /^b[a-z2-7]{58}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
// CIDv1 (0x01), raw (0x55), multihash sha2-256 (0x12) of 32 bytes (0x20): each a one-byte varint.
const CID_PREFIX = [0x01, 0x55, 0x12, 0x20];

/**
 * Is `text` the canonical string of a CID this store holds: `b` + base32 of 01 55 12 20 <32-byte digest>, with the
 * final character's spare bits zero (so there is one spelling per CID)? Decoded here rather than with
 * multiformats' CID.parse: it is on the download route's path, and the shape check first keeps path tricks ('..',
 * '/', NUL) away from any parser. tests/store/cid.test.ts checks that it agrees with CID.parse.
 */
export function isStoreCid(text: string): boolean {
  if (!CID_SHAPE.test(text)) return false;
  let count = 0;
  let bits = 0;
  let value = 0;
  for (let i = 1; i < text.length; i++) {
    value = (value << 5) | BASE32.indexOf(text[i]!);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      const byte = (value >> bits) & 0xff;
      if (count < CID_PREFIX.length && byte !== CID_PREFIX[count]) return false;
      count++;
    }
    value &= (1 << bits) - 1;
  }
  return count === 36 && value === 0;
}

/** Returns the canonical string form, or null when `text` is not a CID this store could hold. */
export function normaliseCid(text: string): string | null {
  return isStoreCid(text) ? text : null;
}

export function assertCid(text: string): string {
  const cid = normaliseCid(text);
  if (!cid) throw new StoreError('INVALID_ARGUMENT', `not a CID of this store (${CID_KIND}): ${JSON.stringify(text.slice(0, 100))}`);
  return cid;
}

/** What the API answers for a string that is not a CID of this store (GraphQL's CID scalar, gRPC). */
export function notACidMessage(value: unknown): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  return `not a CID of this store (CIDv1, raw, sha2-256, base32 "bafkrei..."): ${shown}`;
}
