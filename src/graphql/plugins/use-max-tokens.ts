// Stops parsing a document past a number of tokens: the cheapest guard against huge queries, before validation
// (some of whose rules are quadratic in the number of fields) ever sees them. Before that, one pass over the text
// bounds its nesting: graphql-js parses recursively, and 10,000 nested selections overflowed its stack (a 500)
// before the token limit was reached.
import { GraphQLError, parse, Source } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface MaxTokensOptions {
  maxTokens?: number;
  /** Deepest nesting of braces, brackets and parentheses the parser is given. */
  maxNesting?: number;
}

/** GraphiQL's introspection query is about 300 tokens; the operations in schema/operations well under 200 each. */
export const DEFAULT_MAX_TOKENS = 5000;
/** Far above any depth validation lets through (use-max-depth.ts: 15 levels), far below what overflows the stack. */
export const DEFAULT_MAX_NESTING = 128;

export function useMaxTokens(options: MaxTokensOptions = {}): Plugin {
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const maxNesting = options.maxNesting ?? DEFAULT_MAX_NESTING;
  const limitedParse: typeof parse = (source, parseOptions) => {
    assertNesting(typeof source === 'string' ? source : source.body, maxNesting);
    return parse(source, { ...parseOptions, maxTokens });
  };
  return {
    // Only documents yoga has not parsed before reach this parser: its parser cache (a plugin after this one) sets
    // the cached document, and then no parse function runs. So the limit holds for every new document, for free
    // on repeated ones.
    onParse({ setParseFn }) {
      setParseFn(limitedParse);
    },
  };
}

/**
 * Throws a syntax error (yoga answers 400) when `{ ( [` nest deeper than `limit` outside strings and comments.
 * Unbalanced text is left for the parser to describe.
 */
export function assertNesting(body: string, limit: number): void {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x7b || c === 0x28 || c === 0x5b) {
      if (++depth > limit) {
        throw new GraphQLError(`Syntax Error: the document nests more than ${limit} levels of braces, brackets or parentheses.`, {
          source: new Source(body),
          positions: [i],
          extensions: { code: 'GRAPHQL_PARSE_FAILED' },
        });
      }
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      depth--;
    } else if (c === 0x23) {
      // # comment: to the end of the line.
      while (i < body.length && body.charCodeAt(i) !== 0x0a && body.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22) {
      if (body.startsWith('"""', i)) {
        // Block string: up to the next unescaped """.
        i += 3;
        while (i < body.length && !(body.startsWith('"""', i) && body.charCodeAt(i - 1) !== 0x5c)) i++;
        i += 2;
      } else {
        i++;
        while (i < body.length && body.charCodeAt(i) !== 0x22 && body.charCodeAt(i) !== 0x0a) i += body.charCodeAt(i) === 0x5c ? 2 : 1;
      }
    }
  }
}
