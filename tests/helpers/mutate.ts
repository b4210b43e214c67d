// fast-check arbitraries that mutate real file headers: byte flips, inserts, deletions, truncation, tokens spliced
// in, length fields rewritten. For fuzzing parsers with inputs that are almost right, where the bugs live.
import fc from 'fast-check';

export type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'splice'; at: number; length: number; token: string }
  | { kind: 'u64'; at: number; value: bigint }
  | { kind: 'u16'; at: number; value: number }
  | { kind: 'u32'; at: number; value: number };

const INTERESTING = [0x00, 0x01, 0x09, 0x0a, 0x20, 0x22, 0x27, 0x28, 0x29, 0x2c, 0x2d, 0x30, 0x31, 0x39, 0x3a, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d, 0x7f, 0x80, 0xc3, 0xff];

/** Tokens of both header languages (JSON and the Python dict literal of .npy). */
export const TOKENS = [
  '-1', '0', '1', '7', '1e3', '1.5', '-0', '9007199254740993', '18446744073709551616', '99999999999999999999999',
  '"F32"', '"BOOL"', '"F8_E4M3"', '"I64"', '"f32"', '"XX"', '""', '[]', '{}', 'null', 'true', '[0,0]', '[0,1e400]', '[-1,3]',
  '"dtype"', '"shape"', '"data_offsets"', '"__metadata__"', '"__proto__"', ',', ':', '"', '\\u0000', '\\ud800',
  "'", '(', ')', '()', '(1,)', '(0,)', '(2, 3)', '(-1,)', '(3)', 'True', 'False', 'None', '10L', "'<f4'", "'>i8'", "'|b1'",
  "'|O'", "'<c8'", "'<U4'", "[('a', '<f4')]", "('<f4', (2,))", "'descr'", "'shape'", "'fortran_order'", "'extra'",
  '\n', ' ', '\u00e9', '\u{1F600}',
];

function mutation(): fc.Arbitrary<Mutation> {
  const at = fc.nat({ max: 4096 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), at, byte: fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 })) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 16 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('splice' as const), at, length: fc.integer({ min: 0, max: 12 }), token: fc.constantFrom(...TOKENS) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('u64' as const),
        at: fc.constant(0),
        value: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 4096n }), fc.constantFrom(0n, 1n, 100_000_000n, 100_000_001n, 2n ** 53n, 2n ** 63n)),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('u16' as const), at: fc.constant(8), value: fc.integer({ min: 0, max: 0xffff }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('u32' as const), at: fc.constant(8), value: fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.integer({ min: 0, max: 0xffffffff })) }) },
  );
}

export function applyMutation(input: Uint8Array, m: Mutation): Uint8Array {
  const bytes = Buffer.from(input);
  const at = bytes.length === 0 ? 0 : m.at % (bytes.length + 1);
  switch (m.kind) {
    case 'set':
      if (bytes.length > 0) bytes[at % bytes.length] = m.byte;
      return bytes;
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case 'delete':
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
    case 'truncate':
      return bytes.subarray(0, at);
    case 'splice':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.token, 'utf8'), bytes.subarray(at + m.length)]);
    case 'u64':
      if (bytes.length >= 8) bytes.writeBigUInt64LE(m.value, 0);
      return bytes;
    case 'u16':
      if (bytes.length >= 10) bytes.writeUInt16LE(m.value, 8);
      return bytes;
    case 'u32':
      if (bytes.length >= 12) bytes.writeUInt32LE(m.value, 8);
      return bytes;
  }
}

export interface MutatedFile {
  bytes: Uint8Array;
  /** The size the parser is told the file has: the bytes' length, or a different claim. */
  size: number;
  /** For the failure report. */
  source: string;
  mutations: Mutation[];
}

/** One of `files` (label -> bytes), mutated 1-4 times; its claimed size is mostly the truth. */
export function mutatedFile(files: Array<[string, Uint8Array]>, extraSize: (label: string) => number = () => 0): fc.Arbitrary<MutatedFile> {
  return fc
    .record({
      file: fc.constantFrom(...files),
      mutations: fc.array(mutation(), { minLength: 1, maxLength: 4 }),
      sizeDelta: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -64, max: 64 }) }, { weight: 1, arbitrary: fc.nat({ max: 2 ** 40 }) }),
    })
    .map(({ file: [source, original], mutations, sizeDelta }) => {
      const bytes = mutations.reduce((b, m) => applyMutation(b, m), original);
      const size = Math.max(0, bytes.length + extraSize(source) + sizeDelta);
      return { bytes, size, source, mutations };
    });
}
