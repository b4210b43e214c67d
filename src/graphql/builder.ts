// The Pothos builder: plugins, scalars and defaults. It defines no object types; schema/<type>.ts do.
import SchemaBuilder from '@pothos/core';
import '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import MemoComplexityPlugin from './plugins/memo-complexity.ts';
import SyncNodeIdPlugin from './plugins/sync-node-id.ts';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { CID_KIND, isStoreCid, notACidMessage } from '../store/cid.ts';
import { refusal } from './services/auth.ts';
import type { GraphQLContext } from './context.ts';
import { ForbiddenError, InvalidArgumentError } from './errors.ts';

/** What an uploaded multipart file part looks like to resolvers (a WHATWG File, or a part still streaming in). */
export interface UploadedFile {
  readonly name: string;
  /** -1 for a part still streaming in (plugins/upload-stream.ts). */
  readonly size: number;
  readonly type: string;
  stream(): ReadableStream<Uint8Array>;
  /** A streamed part: resolves once its headers (name, type) have arrived. */
  ready?(): Promise<void>;
  /** A streamed part: its bytes as they arrive, without a web stream in between. */
  chunks?(): AsyncIterable<Uint8Array>;
}

export interface SchemaTypes {
  Context: GraphQLContext;
  AuthScopes: { read: boolean; write: boolean; admin: boolean };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  /** Every connection also answers totalCount, computed only when selected. */
  Connection: { totalCount: () => number };
  Scalars: {
    SafeInt: { Input: number; Output: number };
    JSON: { Input: unknown; Output: unknown };
    DateTime: { Input: Date; Output: Date };
    CID: { Input: string; Output: string };
    File: { Input: UploadedFile; Output: never };
  };
}

export const builder = new SchemaBuilder<SchemaTypes>({
  // Order matters: the errors plugin wraps outside scope-auth so that a refusal on a field with a result union
  // comes back as a typed ForbiddenError member; relay decodes global ids before the others see them. SyncNodeId
  // is last so that its resolver is the innermost (every other plugin still wraps it). MemoComplexity is the
  // complexity plugin (same options, limits and errors) remembering each operation's cost.
  plugins: [ErrorsPlugin, ScopeAuthPlugin, RelayPlugin, MemoComplexityPlugin, SyncNodeIdPlugin],
  defaultFieldNullability: false,
  errors: {
    // Only the classes a field lists become typed results: anything else is unexpected, masked and logged.
    defaultTypes: [],
    defaultUnionOptions: { name: ({ fieldName }) => `${pascal(fieldName)}Result` },
    defaultResultOptions: { name: ({ fieldName }) => `${pascal(fieldName)}Success` },
  },
  scopeAuth: {
    authScopes: (ctx) => ({ read: ctx.auth.scopes.has('read'), write: ctx.auth.scopes.has('write'), admin: ctx.auth.scopes.has('admin') }),
    unauthorizedError: (_parent, ctx, info, result) => {
      const scope = requiredScope(result.failure);
      const { message, code } = refusal(ctx.auth, scope, info.fieldName);
      return new ForbiddenError(message, scope, code);
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    nodeQueryOptions: { description: 'Fetches a Tensor or TensorFile by its global id; null when it no longer exists.' },
    edgesFieldOptions: { nullable: false, complexity: { field: 0, multiplier: 1 } },
    nodeFieldOptions: { nullable: false },
    nodeTypeOptions: { description: 'An object with a global id, refetchable with Query.node.' },
    decodeGlobalID: decodeId,
  },
  complexity: {
    defaultComplexity: 1,
    // Lists here are either pages (their fields set the multiplier from `first`) or small (shape, cache files).
    defaultListMultiplier: 1,
    limit: (ctx: GraphQLContext) => ({ complexity: ctx.config.maxComplexity }),
    complexityError: (_kind, result) =>
      new GraphQLError(
        `the operation costs ${result.complexity}, above the limit of ${result.maxComplexity}: ask for fewer items per page, fewer inline slices or a smaller inlineLimit`,
        { extensions: { code: 'QUERY_TOO_COMPLEX' } },
      ),
  },
});

builder.addScalarType('SafeInt', SafeIntResolver, {});
builder.addScalarType('JSON', JSONResolver, {});
builder.addScalarType('DateTime', DateTimeResolver, {});

builder.addScalarType(
  'CID',
  new GraphQLScalarType<string, string>({
    name: 'CID',
    description: `A content identifier of this store: ${CID_KIND}. Either names the file wherever a CID is taken.`,
    specifiedByURL: 'https://github.com/multiformats/cid',
    serialize: (value) => String(value),
    parseValue: (value) => checkCid(value),
    parseLiteral: (ast) => checkCid(ast.kind === Kind.STRING ? ast.value : undefined),
  }),
  {},
);

builder.addScalarType(
  'File',
  new GraphQLScalarType<UploadedFile, never>({
    name: 'File',
    description: 'A file part of a multipart request (GraphQL multipart request spec). Input only.',
    specifiedByURL: 'https://github.com/jaydenseric/graphql-multipart-request-spec',
    serialize: () => {
      throw new TypeError('File is an input type only');
    },
    parseValue: (value) => {
      if (isUploadedFile(value)) return value;
      throw badInput('expected a file part of a multipart request (see the GraphQL multipart request spec)');
    },
    parseLiteral: () => {
      throw badInput('a File cannot be written in the query: send it as a multipart file part');
    },
  }),
  {},
);

function checkCid(value: unknown): string {
  if (typeof value === 'string' && isStoreCid(value)) return value;
  throw badInput(notACidMessage(value));
}

/** A GraphQLError, not a TypeError: graphql wraps what a scalar throws, and yoga masks wrapped plain errors. */
function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function isUploadedFile(value: unknown): value is UploadedFile {
  const v = value as Partial<UploadedFile> | null;
  return typeof v === 'object' && v !== null && typeof v.stream === 'function' && typeof v.size === 'number' && typeof v.name === 'string';
}

/** The types that implement Node (schema/tensor.ts, schema/tensor-file.ts). */
const NODE_TYPES = new Set(['Tensor', 'TensorFile']);

/** Global ids are base64 of `Type:localId`; anything else is a client mistake, not a server error. */
function decodeId(globalID: string): { typename: string; id: string } {
  const text = globalID.length <= 4096 ? Buffer.from(globalID, 'base64').toString('utf8') : '';
  const colon = text.indexOf(':');
  if (colon <= 0 || Buffer.from(text, 'utf8').toString('base64') !== globalID || !NODE_TYPES.has(text.slice(0, colon))) {
    throw new InvalidArgumentError(`not a global id of this API: ${JSON.stringify(globalID.slice(0, 80))}`, 'id');
  }
  return { typename: text.slice(0, colon), id: text.slice(colon + 1) };
}

function requiredScope(failure: unknown): 'write' | 'admin' {
  // An AuthFailure tree; the only scope maps here are { write: true } and { admin: true }.
  return (JSON.stringify(failure) ?? '').includes('"scope":"admin"') ? 'admin' : 'write';
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
