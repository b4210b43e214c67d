// Queries run by graphql-jit: the operation is compiled once into JavaScript, and each request calls that, rather
// than graphql-js walking the document, the schema and the arguments again for every field of every request. For
// `tensors(first: 10)` that walk was most of the time spent executing (bench/graphql.bench.ts).
//
// Only queries: mutations (serial, with uploads) and subscriptions stay with yoga's executor. A document is compiled
// the second time it is executed, not the first: a client sending ever new documents makes the server parse and
// validate them, as before, but never compile them. Compiled operations are kept by the length of their document's
// text (about 100 bytes of code per character of source), so that many large documents cannot fill the memory. An
// operation graphql-jit cannot compile runs with the executor. Resolvers, resolveType, scalars and errors are the
// schema's own: graphql-jit calls them as graphql-js does.
import { getOperationAST, GraphQLError, isAbstractType, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

export interface JitOptions {
  /** Executions of a document by the executor before it is compiled (default 1; 0 compiles at once). */
  compileAfter?: number;
  /** Characters of document text whose compiled operations are kept (default 64 Ki: a few MiB of code). */
  maxSourceChars?: number;
  /** Told of every compilation: the operation's name, and whether graphql-jit could compile it. */
  onCompile?: (operationName: string | null, compiled: boolean) => void;
}

const DEFAULT_MAX_SOURCE_CHARS = 64 * 1024;

/** The run count of an operation the executor always runs: not a query, too large, or not compilable. */
const NEVER = -1;

export function useJit(options: JitOptions = {}): Plugin {
  const compileAfter = options.compileAfter ?? 1;
  const maxSourceChars = options.maxSourceChars ?? DEFAULT_MAX_SOURCE_CHARS;
  // Per document object (yoga's parser cache hands the same one to every request with the same text), then per
  // operation name: how often each query ran with the executor, and its compiled form.
  const runs = new WeakMap<DocumentNode, Map<string, number>>();
  const compiled = new LRUCache<DocumentNode, Map<string, CompiledQuery>>({ maxSize: maxSourceChars, sizeCalculation: (_, document) => sourceChars(document) });
  const compiledFor = (args: ExecutionArgs): CompiledQuery | null => {
    const name = args.operationName ?? '';
    const done = compiled.get(args.document)?.get(name);
    if (done) return done;
    let counts = runs.get(args.document);
    if (!counts) runs.set(args.document, (counts = new Map()));
    let count = counts.get(name);
    if (count === undefined) {
      const query = getOperationAST(args.document, args.operationName)?.operation === 'query';
      count = query && sourceChars(args.document) <= maxSourceChars ? 0 : NEVER;
    }
    if (count === NEVER || count < compileAfter) {
      counts.set(name, count === NEVER ? NEVER : count + 1);
      return null;
    }
    const query = compile(args.schema, args.document, args.operationName);
    options.onCompile?.(args.operationName ?? null, query !== null);
    if (!query) {
      counts.set(name, NEVER);
      return null;
    }
    let operations = compiled.get(args.document);
    if (!operations) compiled.set(args.document, (operations = new Map()));
    operations.set(name, query);
    return query;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiledFor(args);
      if (!query) return;
      // Errors without data are the variables' (graphql-jit coerces them before running anything): such a request
      // is run again by the executor, whose errors say what the scalar said, with status 400.
      const orExecutor = (final: ExecutionArgs, result: ExecutionResult) => {
        if (!('data' in result)) return executeFn(final);
        return result.errors?.length ? { ...result, errors: result.errors.map((error) => located(error, final.document)) } : result;
      };
      setExecuteFn((final) => {
        const result = query.query(final.rootValue, final.contextValue, final.variableValues);
        return result instanceof Promise ? result.then((settled) => orExecutor(final, settled)) : orExecutor(final, result);
      });
    },
  };
}

function compile(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null {
  passAbstractType(schema);
  const result = compileQuery(schema, document, operationName ?? undefined);
  return isCompiledQuery(result) ? result : null;
}

/**
 * graphql-jit's errors carry `locations` but not the source and positions they came from, which yoga needs to
 * keep them when it masks or rewrites an error: as graphql-js's, with the same source, positions, path, cause and
 * extensions.
 */
function located(error: GraphQLError, document: DocumentNode): GraphQLError {
  const source = document.loc?.source;
  if (error.positions || !error.locations || !source) return error;
  const lineStarts = [0];
  for (const match of source.body.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(match.index + match[0].length);
  const positions = error.locations.map(({ line, column }) => (lineStarts[line - 1] ?? 0) + column - 1);
  return new GraphQLError(error.message, { source, positions, path: error.path, originalError: error.originalError, extensions: error.extensions });
}

/** The length of a document's text; one without a location counts as 1 KiB. */
function sourceChars(document: DocumentNode): number {
  return Math.max(1, document.loc ? document.loc.end - document.loc.start : 1024);
}

const patched = new WeakSet<GraphQLSchema>();

/**
 * graphql-jit calls resolveType(value, context, info) without graphql-js's fourth argument, the abstract type
 * itself, which Pothos' union resolvers pass on to graphql's defaultTypeResolver: it is given here, once per schema.
 */
function passAbstractType(schema: GraphQLSchema): void {
  if (patched.has(schema)) return;
  patched.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isAbstractType(type) || !type.resolveType) continue;
    const resolveType = type.resolveType;
    type.resolveType = (value, context, info, abstractType) => resolveType(value, context, info, abstractType ?? type);
  }
}
