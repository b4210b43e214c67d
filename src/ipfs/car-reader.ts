// Reading a CARv1 stream block by block, for the fetch from peers: @ipld/car's own decoder (readHeader,
// readBlockHead) over a reader that copies each block's bytes once, from the socket's chunks into memory the caller
// gives (a reused buffer for a leaf). No chunk of the source is kept once the next is asked for: the source may read
// into the same memory again (see http-body.ts). CarBlockIterator allocates a fresh array per block and per refill
// and copies the bytes into it: 256 MiB of short-lived arrays per 256 MiB fetched.
import { readBlockHead, readHeader } from '@ipld/car/decoder';
import { CID } from 'multiformats/cid';

type BytesReader = Parameters<typeof readBlockHead>[0];

/** A block's bytes go into what `alloc` returns for its CID and length (exactly that long). */
export type BlockAlloc = (cid: CID, length: number) => Uint8Array;

export class CarStreamReader implements BytesReader {
  /** Chunks not consumed yet; the first from `offset`. */
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  private buffered = 0;
  private position = 0;
  private ended = false;

  /** `maxBlock`: a longer block is refused before any of it is read (a peer cannot make us allocate at will). */
  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly maxBlock: number,
  ) {}

  /** The header's roots (CARv1 only: a CARv2 is refused), copied out of the source's memory. */
  async header(): Promise<CID[]> {
    const header = await readHeader(this, 1);
    return header.roots.map((root) => CID.decode(root.bytes.slice()));
  }

  /** The next block, or null at the end of the stream. */
  async next(alloc: BlockAlloc): Promise<{ cid: CID; bytes: Uint8Array } | null> {
    if ((await this.upTo(1)).length === 0) return null;
    const head = await readBlockHead(this);
    // The decoder's CID views the bytes it was read from: a copy, as the source may reuse that memory.
    const cid = CID.decode(head.cid.bytes.slice());
    const { blockLength } = head;
    if (blockLength > this.maxBlock) throw new Error(`a block of ${blockLength} bytes (at most ${this.maxBlock} are taken)`);
    const bytes = alloc(cid, blockLength);
    if (bytes.byteLength !== blockLength) throw new Error('the block allocator returned the wrong length');
    let filled = 0;
    while (filled < blockLength) {
      if (this.buffered === 0 && !(await this.pull())) throw new Error('Unexpected end of data');
      const chunk = this.chunks[0]!;
      const take = Math.min(chunk.byteLength - this.offset, blockLength - filled);
      bytes.set(chunk.subarray(this.offset, this.offset + take), filled);
      filled += take;
      this.seek(take);
    }
    return { cid, bytes };
  }

  // BytesReader, for @ipld/car's decoder: short reads (varints, CIDs, the header), so a copy across chunks is cheap.

  async upTo(length: number): Promise<Uint8Array> {
    while (this.buffered < length && (await this.pull()));
    return this.peek(Math.min(length, this.buffered));
  }

  async exactly(length: number, seek = false): Promise<Uint8Array> {
    if (length > this.maxBlock) throw new Error(`a CAR section of ${length} bytes (at most ${this.maxBlock} are taken)`);
    while (this.buffered < length && (await this.pull()));
    if (this.buffered < length) throw new Error('Unexpected end of data');
    const out = this.peek(length);
    if (seek) this.seek(length);
    return out;
  }

  seek(length: number): void {
    this.position += length;
    this.buffered -= length;
    let left = length;
    while (left > 0) {
      const chunk = this.chunks[0];
      if (!chunk) return;
      const rest = chunk.byteLength - this.offset;
      if (left < rest) {
        this.offset += left;
        return;
      }
      left -= rest;
      this.chunks.shift();
      this.offset = 0;
    }
  }

  get pos(): number {
    return this.position;
  }

  /** The next `length` buffered bytes, contiguous: a view when one chunk holds them, else a copy. */
  private peek(length: number): Uint8Array {
    const first = this.chunks[0];
    if (!first) return new Uint8Array(0);
    if (first.byteLength - this.offset >= length) return first.subarray(this.offset, this.offset + length);
    const out = new Uint8Array(length);
    let filled = 0;
    let offset = this.offset;
    for (const chunk of this.chunks) {
      if (filled >= length) break;
      const take = Math.min(chunk.byteLength - offset, length - filled);
      out.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset = 0;
    }
    return out;
  }

  /** Reads one more chunk; false at the end of the stream. */
  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    // What is left of the chunks so far (a varint or CID cut by the end of a read: a few bytes) is copied out of the
    // source's memory first: asking for the next chunk lets the source read into it again.
    if (this.buffered > 0) {
      const rest = this.peek(this.buffered).slice();
      this.chunks.length = 0;
      this.chunks.push(rest);
      this.offset = 0;
    }
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    if (next.value.byteLength > 0) {
      this.chunks.push(next.value);
      this.buffered += next.value.byteLength;
    }
    return true;
  }
}
