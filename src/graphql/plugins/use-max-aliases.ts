// Refuses documents with more aliases than a limit, at validation: aliases are how one request asks for the same
// expensive field thousands of times.
import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface MaxAliasesOptions {
  maxAliases?: number;
}

export const DEFAULT_MAX_ALIASES = 30;

export function useMaxAliases(options: MaxAliasesOptions = {}): Plugin {
  const maxAliases = options.maxAliases ?? DEFAULT_MAX_ALIASES;
  const rule = (context: ValidationContext): ASTVisitor => {
    let count = 0;
    return {
      Field(node) {
        if (node.alias) count++;
      },
      Document: {
        leave(node) {
          if (count > maxAliases) {
            context.reportError(
              new GraphQLError(`the document has ${count} aliases, more than the limit of ${maxAliases}`, {
                nodes: [node],
                extensions: { code: 'TOO_MANY_ALIASES' },
              }),
            );
          }
        },
      },
    };
  };
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}
