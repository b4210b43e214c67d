// API tokens (admin scope): list them, create one (its secret is in the answer, once), revoke one. The table and
// its rules are src/auth/tokens.ts; these fields only expose it.
import { audit } from '../../auth/audit.ts';
import type { TokenInfo } from '../../auth/tokens.ts';
import { builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import type { TokensPort } from '../services/ports.ts';
import { ForbiddenError, InvalidArgumentError, NotFoundError } from '../errors.ts';

const TokenScopeEnum = builder.enumType('TokenScope', {
  description: 'What a token may do: read < write < admin (each includes the ones before it).',
  values: {
    READ: { value: 'read', description: 'Queries and downloads (on a --private server they need it).' },
    WRITE: { value: 'write', description: 'Also addTensorFile.' },
    ADMIN: { value: 'admin', description: 'Also the cache mutations, deleteTensorFile and the token fields.' },
  } as const,
});

const ApiToken = builder.objectRef<TokenInfo>('ApiToken').implement({
  description: 'A bearer token as the server keeps it: never its secret.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    scope: t.field({ type: TokenScopeEnum, resolve: (token) => token.scope }),
    createdAt: t.field({ type: 'DateTime', resolve: (token) => new Date(token.created) }),
    expiresAt: t.field({ type: 'DateTime', nullable: true, description: 'Null: it does not expire.', resolve: (token) => (token.expires === null ? null : new Date(token.expires)) }),
    lastUsedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the server last saw it (written at most every 10 s); null before its first use.',
      resolve: (token) => (token.lastUsed === null ? null : new Date(token.lastUsed)),
    }),
    expired: t.boolean({ resolve: (token) => token.expires !== null && token.expires <= Date.now() }),
  }),
});

const TokenList = builder.objectRef<{ tokens: TokenInfo[] }>('TokenList').implement({
  fields: (t) => ({ tokens: t.field({ type: [ApiToken], description: 'Oldest first.', resolve: (list) => list.tokens }) }),
});

const CreatedToken = builder.objectRef<{ secret: string; token: TokenInfo }>('CreatedToken').implement({
  fields: (t) => ({
    secret: t.exposeString('secret', { description: 'The bearer token itself. Shown this once: the server keeps only its SHA-256 digest.' }),
    token: t.field({ type: ApiToken, resolve: (created) => created.token }),
  }),
});

const RevokeTokenPayload = builder.objectRef<{ token: TokenInfo }>('RevokeTokenPayload').implement({
  fields: (t) => ({ token: t.field({ type: ApiToken, description: 'The token, as it was.', resolve: (payload) => payload.token }) }),
});

function tokensOf(ctx: GraphQLContext): TokensPort {
  if (!ctx.tokens) throw new InvalidArgumentError('this server keeps no token table', 'tokens');
  return ctx.tokens;
}

/** The table's own errors (src/auth/tokens.ts TokenError) as typed results. */
function translated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message;
    if (code === 'NOT_FOUND') throw new NotFoundError(message);
    if (code === 'INVALID_ARGUMENT' || code === 'CONFLICT') throw new InvalidArgumentError(message, code === 'CONFLICT' ? 'name' : 'expiresIn');
    throw error;
  }
}

builder.queryField('tokens', (t) =>
  t.field({
    type: TokenList,
    description: 'Every API token (never a secret). Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError, InvalidArgumentError], directResult: true },
    resolve: (_root, _args, ctx) => ({ tokens: tokensOf(ctx).list() }),
  }),
);

builder.mutationFields((t) => ({
  createToken: t.field({
    type: CreatedToken,
    description: 'Creates a bearer token; the answer holds its secret, once. Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError, InvalidArgumentError], directResult: true },
    args: {
      scope: t.arg({ type: TokenScopeEnum, required: true }),
      name: t.arg.string({ description: '1-64 letters, digits, ".", "_" or "-", unique; default token-<id>.' }),
      expiresIn: t.arg({ type: 'SafeInt', description: 'Seconds from now; default: never.' }),
    },
    resolve: (_root, args, ctx) => {
      const created = translated(() => tokensOf(ctx).create({ scope: args.scope, name: args.name, expiresIn: args.expiresIn }));
      audit(ctx.logger, ctx.auth, 'createToken', { created: { id: created.token.id, name: created.token.name, scope: created.token.scope } });
      return created;
    },
  }),
  revokeToken: t.field({
    type: RevokeTokenPayload,
    description: 'Revokes a token by id (or name); every interface refuses it within a second. Needs the admin scope.',
    authScopes: { admin: true },
    errors: { types: [ForbiddenError, NotFoundError, InvalidArgumentError], directResult: true },
    args: { id: t.arg.string({ required: true, description: 'The token\'s id, or its name.' }) },
    resolve: (_root, { id }, ctx) => {
      const token = translated(() => tokensOf(ctx).revoke(id));
      audit(ctx.logger, ctx.auth, 'revokeToken', { revoked: { id: token.id, name: token.name } });
      return { token };
    },
  }),
}));
