// Refuses operations nested deeper than a limit, at validation (before any resolver runs). Fragments count where
// they are spread; a fragment cycle is left to graphql's own NoFragmentCycles rule.
import { GraphQLError, Kind, type ASTVisitor, type SelectionSetNode, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface MaxDepthOptions {
  /** Deepest field nesting allowed; the introspection query GraphiQL sends is 13 deep. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 15;

export function useMaxDepth(options: MaxDepthOptions = {}): Plugin {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const rule = (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const depth = depthOf(context, node.selectionSet, maxDepth, new Map(), new Set());
      if (depth > maxDepth) {
        context.reportError(
          new GraphQLError(`the operation is nested more than ${maxDepth} levels deep`, {
            nodes: [node],
            extensions: { code: 'QUERY_TOO_DEEP' },
          }),
        );
      }
    },
  });
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/** Depth of a selection set, stopping once past `limit` (so a hostile document costs no more than the limit). */
function depthOf(
  context: ValidationContext,
  set: SelectionSetNode,
  limit: number,
  fragmentDepths: Map<string, number>,
  visiting: Set<string>,
): number {
  let deepest = 0;
  for (const selection of set.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      depth = 1 + (selection.selectionSet ? depthOf(context, selection.selectionSet, limit - 1, fragmentDepths, visiting) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = depthOf(context, selection.selectionSet, limit, fragmentDepths, visiting);
    } else {
      const name = selection.name.value;
      const known = fragmentDepths.get(name);
      const fragment = context.getFragment(name);
      if (known !== undefined) depth = known;
      else if (fragment && !visiting.has(name)) {
        visiting.add(name);
        depth = depthOf(context, fragment.selectionSet, limit, fragmentDepths, visiting);
        visiting.delete(name);
        fragmentDepths.set(name, depth);
      }
    }
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
  }
  return deepest;
}
