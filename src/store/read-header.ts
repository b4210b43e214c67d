// Reads just enough of an object to parse its header: never the whole file into memory.
import { closeSync, openSync, readSync } from 'node:fs';
import type { DType } from '../tensor/dtype.ts';
import { detectFormat, headerBytesNeeded, parseRaw, parseTensorFile } from '../tensor/format.ts';
import type { ParsedFile } from '../tensor/types.ts';
import { TensorFormatError } from '../tensor/errors.ts';

export interface RawDeclaration {
  dtype: DType;
  shape: number[];
}

export function readParsedFile(path: string, size: number, options: { raw?: RawDeclaration; name?: string } = {}): ParsedFile {
  const fd = openSync(path, 'r');
  try {
    const head = readExactly(fd, 0, Math.min(16, size));
    const format = detectFormat(head, size);
    if (options.raw) {
      if (format) throw new TensorFormatError('INVALID_HEADER', `this is a ${format} file: a dtype and shape apply to raw bytes only`);
      return parseRaw(size, options.raw.dtype, options.raw.shape, options.name);
    }
    if (!format) return parseTensorFile(head, size, { name: options.name });
    const needed = headerBytesNeeded(head, size);
    const bytes = needed <= head.length ? head : readExactly(fd, 0, Math.min(needed, size));
    return parseTensorFile(bytes, size, { name: options.name });
  } finally {
    closeSync(fd);
  }
}

function readExactly(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buffer, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return buffer.subarray(0, done);
}
