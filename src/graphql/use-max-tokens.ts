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
  return {
    onParse({ setParseFn }) {
      setParseFn((source, parseOptions) => parse(source, { ...parseOptions, maxTokens }));
    },
  };
}
