// A parser for the small subset of Python literals a .npy header is written in (numpy reads it with
// ast.literal_eval): dicts, tuples, lists, str, int, True, False, None. Anything else is an error.

export type PyValue = string | number | boolean | null | PyTuple | PyValue[] | PyDict;

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PyDict {
  constructor(readonly entries: Array<[PyValue, PyValue]>) {}
}

export class PyLiteralError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'PyLiteralError';
  }
}

const MAX_DEPTH = 32;

export interface PyParseOptions {
  /** Python 2 wrote long ints as `10L`; numpy still reads them in version 1 and 2 headers. */
  allowLongSuffix?: boolean;
}

/** Parses one literal filling `text` (surrounding whitespace allowed). Throws PyLiteralError. */
export function parsePyLiteral(text: string, options: PyParseOptions = {}): PyValue {
  const parser = new Parser(text, options.allowLongSuffix ?? false);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.pos < text.length) parser.fail('unexpected text after the literal');
  return value;
}

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly allowLongSuffix: boolean,
  ) {}

  fail(message: string): never {
    throw new PyLiteralError(`${message} at character ${this.pos}`, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && ' \t\n\r\f\v'.includes(this.text[this.pos]!)) this.pos++;
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') return this.dict(depth);
    if (c === '(') return this.tuple(depth);
    if (c === '[') return this.list(depth);
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.int();
    for (const [word, value] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.text.startsWith(word, this.pos) && !/\w/.test(this.text[this.pos + word.length] ?? '')) {
        this.pos += word.length;
        return value;
      }
    }
    this.fail('expected a Python literal');
  }

  /** Items up to `close`, comma separated, a trailing comma allowed; reports whether any comma was seen. */
  sequence(close: string, item: () => void): boolean {
    this.pos++;
    let comma = false;
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return comma;
      }
      item();
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        comma = true;
        this.pos++;
      } else if (c === close) {
        this.pos++;
        return comma;
      } else {
        this.fail(`expected ',' or '${close}'`);
      }
    }
  }

  dict(depth: number): PyDict {
    const entries: Array<[PyValue, PyValue]> = [];
    this.sequence('}', () => {
      const key = this.value(depth + 1);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      entries.push([key, this.value(depth + 1)]);
    });
    return new PyDict(entries);
  }

  /** `(x)` is x itself, `(x,)` and `()` are tuples, as in Python. */
  tuple(depth: number): PyValue {
    const items: PyValue[] = [];
    const comma = this.sequence(')', () => items.push(this.value(depth + 1)));
    return items.length === 1 && !comma ? items[0]! : new PyTuple(items);
  }

  list(depth: number): PyValue[] {
    const items: PyValue[] = [];
    this.sequence(']', () => items.push(this.value(depth + 1)));
    return items;
  }

  string(): string {
    const quote = this.text[this.pos]!;
    let out = '';
    for (this.pos++; ; this.pos++) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === quote) {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const next = this.text[++this.pos];
        const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', '0': '\0' };
        if (next === undefined || !(next in simple)) this.fail('unsupported escape in string');
        out += simple[next]!;
      } else {
        out += c;
      }
    }
  }

  int(): number {
    const match = /^[-+]?\d+/.exec(this.text.slice(this.pos, this.pos + 400));
    if (!match) this.fail('expected a number');
    const digits = match[0];
    if (/^[-+]?0\d/.test(digits)) this.fail('leading zeros are not allowed in Python ints');
    this.pos += digits.length;
    if (this.allowLongSuffix && (this.text[this.pos] === 'L' || this.text[this.pos] === 'l')) this.pos++;
    if (/^[\w.]/.test(this.text[this.pos] ?? '')) this.fail('only integers are allowed');
    // Beyond 2^53 it is no longer exact, which only matters to a shape, and that is refused further up.
    return Number(digits);
  }
}
