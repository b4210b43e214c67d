// The blocks of a peer's CAR, verified: each checked against its CID (SHA-256; a leaf on the hash thread, in reused
// buffers), read and verified a few ahead of the walk that takes them. A failure here is the peer's (PeerFailure):
// the fetch drops it and continues from another.
import { createHash } from 'node:crypto';
import { equals } from 'multiformats/bytes';
import type { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import type { BlockAlloc, CarStreamReader } from './car-reader.ts';
import { HashThread } from './hash-thread.ts';
import { CHUNK_SIZE } from './unixfs.ts';

/** What a peer did wrong (sent a wrong block, stopped, died): it is dropped and the next one continues. */
export class PeerFailure extends Error {}

/** Blocks read from the CAR and being verified ahead of the walk: enough for the hash thread to stay busy. */
const VERIFY_AHEAD = 4;

interface AheadBlock {
  block: { cid: CID; bytes: Uint8Array };
  /** The bytes to use once verified (a pool leaf comes back from the hash thread as a new view); rejects if wrong. */
  verified: Promise<Uint8Array>;
}

/**
 * Reads a CAR's blocks ahead of the walk, up to VERIFY_AHEAD, and starts verifying each as it arrives: the hash thread
 * then hashes the next leaves while this thread hands earlier ones to the ingest (which hashes the file), instead of
 * the two taking turns. The walk still takes the blocks one by one, in order, and uses none before its check.
 */
export class VerifyAhead {
  private readonly queue: AheadBlock[] = [];
  private ended = false;
  private failure: { error: unknown } | null = null;
  private stopped = false;
  private wakeTaker: (() => void) | null = null;
  private wakeReader: (() => void) | null = null;
  private readonly reading: Promise<void>;

  constructor(
    private readonly car: CarStreamReader,
    private readonly alloc: BlockAlloc,
    private readonly pool: LeafPool,
  ) {
    this.reading = this.read();
  }

  /** The next block of the stream, its verification under way; null at the stream's end. */
  async next(): Promise<AheadBlock | null> {
    while (this.queue.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wakeTaker = resolve));
    const taken = this.queue.shift();
    this.wakeReader?.();
    if (taken) return taken;
    if (this.failure) throw new PeerFailure(`the stream broke (${(this.failure.error as Error).message})`);
    return null;
  }

  /** A block the walk does not take: its memory goes back to the pool once its hashing is done. */
  discard(ahead: AheadBlock): void {
    ahead.verified.then((bytes) => this.pool.give(bytes), () => {});
  }

  /** Stops reading (the caller cut the stream first) and gives back what was read and not taken. */
  async close(): Promise<void> {
    this.stopped = true;
    this.wakeReader?.();
    await this.reading;
    for (const ahead of this.queue.splice(0)) this.discard(ahead);
  }

  private async read(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.queue.length >= VERIFY_AHEAD) {
          await new Promise<void>((resolve) => (this.wakeReader = resolve));
          this.wakeReader = null;
          continue;
        }
        const block = await this.car.next(this.alloc);
        if (!block) break;
        const verified = this.pool.verified(block);
        verified.catch(() => {}); // a wrong block fails where the walk reaches it
        this.queue.push({ block, verified });
        this.wakeTaker?.();
      }
    } catch (error) {
      if (!this.stopped) this.failure = { error };
    } finally {
      this.ended = true;
      this.wakeTaker?.();
    }
  }
}

/**
 * 1 MiB buffers for leaves, reused across a fetch: the bytes held ahead of the disk are not garbage every time. The
 * pool's leaves are hashed on the hash thread, their memory moved there and back, while the main thread hashes the
 * file for the store's CID.
 */
export class LeafPool {
  private readonly free: ArrayBuffer[] = [];
  /** Buffers handed out and not given back: give() takes only these, once each. */
  private readonly lent = new Set<ArrayBufferLike>();

  take(length: number): Uint8Array {
    if (length > CHUNK_SIZE) return new Uint8Array(length);
    const buffer = this.free.pop() ?? new ArrayBuffer(CHUNK_SIZE);
    this.lent.add(buffer);
    return new Uint8Array(buffer, 0, length);
  }

  /** Any chunk may come back; only the pool's own buffers are kept. */
  give(chunk: Uint8Array): void {
    const buffer = chunk.buffer;
    if (!(buffer instanceof ArrayBuffer) || !this.lent.delete(buffer)) return;
    this.free.push(buffer);
  }

  /**
   * Verifies a block; the bytes to use afterwards are the ones returned (a pool leaf comes back from the hash thread
   * as a new view of its memory). A block that fails goes back to the pool.
   */
  async verified(block: { cid: CID; bytes: Uint8Array }): Promise<Uint8Array> {
    const buffer = block.bytes.buffer;
    if (!this.lent.has(buffer)) {
      verify(block);
      return block.bytes;
    }
    this.lent.delete(buffer);
    const { digest, bytes } = await hashThread.sha256(block.bytes); // lost with the thread if it dies: not lent then
    this.lent.add(bytes.buffer);
    try {
      checkHashed(block.cid, digest);
    } catch (error) {
      this.give(bytes);
      throw error;
    }
    return bytes;
  }
}

const hashThread = new HashThread();

/** Checks a block's CID against its bytes, which are hashed here: nodes, and leaves not in the pool, are few. */
export function verify(block: { cid: CID; bytes: Uint8Array }): void {
  checkHashed(block.cid, createHash('sha256').update(block.bytes).digest());
}

function checkHashed(cid: CID, digest: Uint8Array): void {
  if (cid.multihash.code !== sha256.code) throw new PeerFailure(`${cid} is not a sha2-256 CID`);
  if (!equals(digest, cid.multihash.digest)) throw new PeerFailure(`block ${cid} does not hash to its CID`);
}
