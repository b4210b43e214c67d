// Stops parsing a document past a number of tokens: the cheapest guard against huge queries, before validation
// (some of whose rules are quadratic in the number of fields) ever sees them.
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface MaxTokensOptions {
  maxTokens?: number;
}

/** GraphiQL's introspection query is about 300 tokens; the operations in schema/operations well under 200 each. */
export const DEFAULT_MAX_TOKENS = 5000;

export function useMaxTokens(options: MaxTokensOptions = {}): Plugin {
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const limitedParse: typeof parse = (source, parseOptions) => parse(source, { ...parseOptions, maxTokens });
  return {
    // Only documents yoga has not parsed before reach this parser: its parser cache (a plugin after this one) sets
    // the cached document, and then no parse function runs. So the limit holds for every new document, for free
    // on repeated ones.
    onParse({ setParseFn }) {
      setParseFn(limitedParse);
    },
  };
}
