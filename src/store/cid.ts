// The CID rule of the store, one owner: every parse, check and spelling of a CID in src/ goes through this file (the
// download paths, GraphQL's CID scalar and node ids, gRPC, the gateway, the store and the CLI). Objects are named by
// CIDv1, raw codec (0x55), sha2-256, base32 (`bafkrei...`); a file's UnixFS root (section 12) is CIDv1 dag-pb (0x70),
// sha2-256, base32 (`bafybei...`), or the object's own CID when the file fits in one leaf. Either names a file.
import { createHash, type Hash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import * as Digest from 'multiformats/hashes/digest';
import { sha256 } from 'multiformats/hashes/sha2';
import { code as RAW_CODEC } from 'multiformats/codecs/raw';
import { StoreError } from './errors.ts';

export const DAG_PB_CODEC = 0x70;
export { RAW_CODEC };

export type CidKind = 'raw' | 'dag-pb';

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

/** The kinds of CID this store takes, in words, for descriptions and error messages. */
export const CID_KIND = 'CIDv1, sha2-256, base32 lowercase, raw codec (bafkrei...) or dag-pb (bafybei..., a UnixFS root)';

/** `b` (multibase base32) and 58 characters of RFC 4648 base32 lowercase, unpadded: 36 bytes. */
const CID_SHAPE = /^b[a-z2-7]{58}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * The kind of a canonical CID string the store takes: `b` + base32 of 01 <55|70> 12 20 <32-byte digest>, with the
 * final character's spare bits zero (one spelling per CID); else null. Decoded here rather than with multiformats'
 * CID.parse: it is on the download route's path, and the shape check first keeps path tricks ('..', '/', NUL) away
 * from any parser. tests/store/cid.test.ts checks that it agrees with CID.parse.
 */
export function cidKind(text: string): CidKind | null {
  if (!CID_SHAPE.test(text)) return null;
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (let i = 1; i < text.length; i++) {
    value = (value << 5) | BASE32.indexOf(text[i]!);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
    value &= (1 << bits) - 1;
  }
  if (bytes.length !== 36 || value !== 0 || bytes[0] !== 0x01 || bytes[2] !== 0x12 || bytes[3] !== 0x20) return null;
  return bytes[1] === RAW_CODEC ? 'raw' : bytes[1] === DAG_PB_CODEC ? 'dag-pb' : null;
}

/** Either CID of a file (its object's, or its UnixFS root), in canonical form: what every API entry point takes. */
export function isStoreCid(text: string): boolean {
  return cidKind(text) !== null;
}

/** Returns the canonical string form, or null when `text` is not the CID of an object (raw codec). */
export function normaliseCid(text: string): string | null {
  return cidKind(text) === 'raw' ? text : null;
}

/**
 * A CID as IPFS tools write it (CIDv0 `Qm...`, another multibase) turned into the canonical CIDv1 base32 string, when
 * it is raw or dag-pb over sha2-256; else null. For the gateway, whose clients use any spelling.
 */
export function canonicalIpfsCid(text: string): string | null {
  if (cidKind(text)) return text;
  if (text.length > 200 || !/^[A-Za-z0-9+/=_-]+$/.test(text)) return null;
  try {
    const cid = CID.parse(text).toV1();
    if (cid.multihash.code !== sha256.code || (cid.code !== RAW_CODEC && cid.code !== DAG_PB_CODEC)) return null;
    return cid.toString();
  } catch {
    return null;
  }
}

/** The object CID (raw); StoreError INVALID_ARGUMENT otherwise. */
export function assertCid(text: string): string {
  const cid = normaliseCid(text);
  if (!cid) throw new StoreError('INVALID_ARGUMENT', `not a CID of this store (${CID_KIND}): ${JSON.stringify(text.slice(0, 100))}`);
  return cid;
}

/** What the API answers for a string that is not a CID of this store (GraphQL's CID scalar, gRPC). */
export function notACidMessage(value: unknown): string {
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  return `not a CID of this store (CIDv1, sha2-256, base32, raw "bafkrei..." or dag-pb "bafybei..."): ${shown}`;
}
