// The store's CID rule (src/store/cid.ts): the one kind of CID it mints and accepts, decoded by hand and checked
// against multiformats; minting, normalising and refusing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { CID as MultiformatsCID } from 'multiformats/cid';
import { assertCid, cidFromSha256, cidOfBytes, createCidHasher, isStoreCid, normaliseCid } from '../../src/store/cid.ts';
import { StoreError } from '../../src/store/errors.ts';
import { BASE58, BLAKE3, CID, DAG_PB, UPPER, V0 } from '../helpers/cids.ts';


/** CID of `bytes`, encoded here by hand (the module decodes; this encodes). */
function cidOf(bytes: Uint8Array): string {
  const all = Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), createHash('sha256').update(bytes).digest()]);
  let bits = '';
  for (const b of all) bits += b.toString(2).padStart(8, '0');
  bits = bits.padEnd(Math.ceil(bits.length / 5) * 5, '0');
  let out = 'b';
  for (let i = 0; i < bits.length; i += 5) out += 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

test('isStoreCid: the store\'s CIDs and nothing else', () => {
  assert.is(cidOf(Buffer.from('a')), CID); // the value multiformats gives
  for (const text of ['', 'b', 'x', '\u0000']) assert.ok(isStoreCid(cidOf(Buffer.from(text))), text);
  assert.ok(isStoreCid(DAG_PB), 'a UnixFS root (dag-pb) names a file too');
  for (const other of [UPPER, BASE58, V0, BLAKE3, CID.slice(0, -1), `${CID}a`, ` ${CID}`]) assert.not.ok(isStoreCid(other), other);
  // the same bytes with the last character's two spare bits set: another spelling, refused
  const last = CID.at(-1)!;
  const respelt = CID.slice(0, -1) + 'abcdefghijklmnopqrstuvwxyz234567'['abcdefghijklmnopqrstuvwxyz234567'.indexOf(last) | 1];
  assert.not.ok(isStoreCid(respelt));
});

test('isStoreCid agrees with multiformats CID.parse on near-miss strings', () => {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const mutate = fc.tuple(fc.integer({ min: 1, max: 58 }), fc.constantFrom(...alphabet.split(''))).map(([at, c]) => CID.slice(0, at) + c + CID.slice(at + 1));
  const random = fc.array(fc.constantFrom(...alphabet.split('')), { minLength: 52, maxLength: 52 }).map((cs) => `bafkrei${cs.join('')}`);
  const candidates = [CID, DAG_PB, BLAKE3, ...fc.sample(fc.oneof(mutate, random), { numRuns: 600, seed: 7 })];
  const want = candidates.map((t) => {
    try {
      const c = MultiformatsCID.parse(t);
      return c.version === 1 && (c.code === 0x55 || c.code === 0x70) && c.multihash.code === 0x12 && c.toString() === t;
    } catch {
      return false;
    }
  });
  assert.equal(candidates.map(isStoreCid), want);
  assert.ok(want.filter(Boolean).length >= 3, 'some candidates are valid');
});

test('minting: cidOfBytes, cidFromSha256 and the incremental hasher agree, whatever the chunking', () => {
  const bytes = Buffer.from('the quick brown fox jumps over the lazy dog');
  assert.is(cidOfBytes(Buffer.from('a')), CID);
  assert.is(cidFromSha256(createHash('sha256').update(bytes).digest()), cidOfBytes(bytes));
  for (const cut of [0, 1, 7, bytes.length]) {
    const hasher = createCidHasher();
    hasher.update(bytes.subarray(0, cut));
    hasher.update(bytes.subarray(cut));
    assert.is(hasher.digest(), cidOfBytes(bytes), `cut at ${cut}`);
  }
  assert.ok(isStoreCid(cidOfBytes(bytes)));
});

test('normaliseCid and assertCid: the canonical form, or null / a StoreError INVALID_ARGUMENT naming the rule', () => {
  assert.is(normaliseCid(CID), CID);
  for (const other of ['', '..', `${CID}/..`, UPPER, DAG_PB, V0, `${CID}\u0000`]) assert.is(normaliseCid(other), null, other);
  assert.is(assertCid(CID), CID);
  try {
    assertCid('../../etc/passwd');
    assert.unreachable('assertCid accepted a path');
  } catch (error) {
    assert.instance(error, StoreError);
    assert.is((error as StoreError).code, 'INVALID_ARGUMENT');
    assert.match((error as Error).message, /not a CID of this store \(CIDv1, sha2-256, base32 lowercase, raw codec \(bafkrei...\) or dag-pb/);
  }
});

test.run();
