// The grammar of a slice spec: numpy basic indexing as written between brackets, `0:10, :, 5`, `..., ::-1`, `5,`.
// Parsing knows nothing of the tensor; resolving against a shape is slice.ts's job.
import { SliceSpecError } from './errors.ts';

export type SliceItem =
  | { kind: 'index'; index: number; text: string; position: number }
  | { kind: 'slice'; start: number | null; stop: number | null; step: number | null; position: number }
  | { kind: 'ellipsis'; position: number };

/**
 * Bounds beyond any dim behave the same, so huge integers (Python has no limit) are clamped to this; that keeps
 * the arithmetic exact. Indices keep their text for the out-of-bounds message.
 */
const LIMIT = 2 ** 53;

/**
 * Parses a spec strictly: items separated by commas (one trailing comma allowed, as in numpy), each `...`, an
 * integer, or `start:stop:step` with any part left out (or written `None`). Whitespace anywhere between tokens.
 * An empty or all-whitespace spec is no item (the whole tensor). Throws SliceSpecError INVALID_SLICE saying what
 * is wrong and where (1-based character).
 */
export function parseSliceSpec(spec: string): SliceItem[] {
  return new SpecParser(spec).items();
}

class SpecParser {
  private pos = 0;
  constructor(private readonly spec: string) {}

  items(): SliceItem[] {
    const out: SliceItem[] = [];
    this.skipSpace();
    if (this.atEnd()) return out;
    for (;;) {
      out.push(this.item());
      this.skipSpace();
      if (this.atEnd()) return out;
      if (this.spec[this.pos] !== ',') this.fail(`expected ',' between indices, found ${this.found()}`);
      this.pos++;
      this.skipSpace();
      if (this.atEnd()) return out; // `5,` is numpy's a[5,]
    }
  }

  private item(): SliceItem {
    const position = this.pos;
    if (this.spec.startsWith('...', this.pos)) {
      this.pos += 3;
      return { kind: 'ellipsis', position };
    }
    const first = this.bound();
    this.skipSpace();
    if (this.spec[this.pos] !== ':') {
      if (first === undefined) this.fail(`expected an integer, ':' or '...', found ${this.found()}`);
      if (first === null) this.fail('None (numpy.newaxis) is not supported: it would add an axis', position);
      return { kind: 'index', index: clamp(first.value), text: first.text, position };
    }
    this.pos++;
    const stop = this.bound();
    this.skipSpace();
    let step: Bound | null | undefined;
    if (this.spec[this.pos] === ':') {
      this.pos++;
      step = this.bound();
    }
    const value = (b: Bound | null | undefined) => (b ? clamp(b.value) : null);
    const item = { kind: 'slice' as const, start: value(first), stop: value(stop), step: value(step), position };
    if (item.step === 0) this.fail('slice step cannot be zero', step!.position);
    return item;
  }

  /** An integer, `None` (null), or nothing (undefined) when the next token is neither. */
  private bound(): Bound | null | undefined {
    this.skipSpace();
    const word = this.match(WORD);
    if (word) {
      if (word[0] === 'None') {
        this.pos += 4;
        return null;
      }
      if (/^(np|numpy)\.newaxis$/.test(word[0])) this.fail('numpy.newaxis is not supported: it would add an axis');
      this.fail(`expected an integer, found ${JSON.stringify(word[0].slice(0, 20))}`);
    }
    const number = this.match(INTEGER);
    if (!number) {
      const c = this.spec[this.pos];
      if (c === '+' || c === '-') this.fail(`expected digits after '${c}'`);
      return undefined;
    }
    const position = this.pos;
    this.pos += number[0].length;
    if (/[.eExXoObBjJ_]/.test(this.spec[this.pos] ?? '')) this.fail('indices must be plain decimal integers');
    const text = `${number[1]}${number[2]}`;
    // Number of a long digit string is Infinity or inexact; clamped, both compare right against every dim.
    return { value: Number(text) + 0, text, position };
  }

  /** A sticky match at the current position (no copy of the rest of the spec). */
  private match(pattern: RegExp): RegExpExecArray | null {
    pattern.lastIndex = this.pos;
    return pattern.exec(this.spec);
  }

  private skipSpace(): void {
    while (this.pos < this.spec.length && /\s/.test(this.spec[this.pos]!)) this.pos++;
  }

  private atEnd(): boolean {
    return this.pos >= this.spec.length;
  }

  private found(): string {
    if (this.atEnd()) return 'the end';
    return JSON.stringify(this.spec.slice(this.pos, this.pos + 10));
  }

  private fail(message: string, at = this.pos): never {
    throw new SliceSpecError('INVALID_SLICE', `invalid slice spec at character ${at + 1}: ${message}`, at);
  }
}

const WORD = /[A-Za-z_][\w.]*/y;
const INTEGER = /([+-]?)\s*(\d+)/y;

interface Bound {
  value: number;
  text: string;
  position: number;
}

function clamp(value: number): number {
  return Math.max(-LIMIT, Math.min(LIMIT, value));
}
