// Scopes: read < write < admin. A token holds one scope and with it every scope below it. Pure.

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

const RANK: Record<Scope, number> = { read: 1, write: 2, admin: 3 };

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** The scopes a token of `scope` holds: itself and those below it. */
export function impliedScopes(scope: Scope): Set<Scope> {
  return new Set(SCOPES.filter((s) => RANK[s] <= RANK[scope]));
}

/** Whether a token of `held` may do what needs `needed`. */
export function grants(held: Scope | null, needed: Scope): boolean {
  return held !== null && RANK[held] >= RANK[needed];
}

/** The highest of a list of scopes (unknown names ignored), or null. */
export function highestScope(scopes: readonly string[]): Scope | null {
  let best: Scope | null = null;
  for (const s of scopes) if (isScope(s) && (best === null || RANK[s] > RANK[best])) best = s;
  return best;
}
