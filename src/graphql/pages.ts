// Connection arguments and results over the store's keyset pages (its cursors are opaque and used as they are).
import type { Page } from '../store/types.ts';
import type { GraphQLConfig } from './context.ts';
import { InvalidArgumentError } from './errors.ts';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

/** The page size asked for, checked against the cap: `first: 1000000` is a clear error, not a silent clamp. */
export function pageSize(args: PageArgs, config: GraphQLConfig): number {
  const first = args.first ?? config.defaultPageSize;
  if (!Number.isInteger(first) || first < 0 || first > config.maxPageSize) {
    throw new InvalidArgumentError(`first must be between 0 and ${config.maxPageSize}, not ${first}: page through with after`, 'first');
  }
  return first;
}

/** For the complexity budget: the multiplier a connection's items cost, never more than a page can hold. */
export function pageMultiplier(args: PageArgs, config: GraphQLConfig): number {
  const first = args.first ?? config.defaultPageSize;
  return Math.max(0, Math.min(Number.isFinite(first) ? first : 0, config.maxPageSize));
}

export function connectionOf<T>(page: Page<T>) {
  const edges = page.items.map((node, i) => ({ node, cursor: page.cursors[i]! }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
    totalCount: () => page.totalCount(),
  };
}
