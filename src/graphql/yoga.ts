// The GraphQL server: the schema on graphql-yoga with the request limits, CSRF prevention, masked errors, repeated
// queries compiled by graphql-jit, and an offline GraphiQL. src/server.ts mounts it on node:http; tests call
// `.fetch()` on it without a socket.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga as createYogaServer, maskError, type YogaServerInstance } from 'graphql-yoga';
import { corsPolicy } from '../auth/cors.ts';
import { authenticate } from './services/auth.ts';
import { DEFAULT_CONFIG, type GraphQLConfig, type GraphQLContext, type GraphQLServices } from './context.ts';
import { schema } from './schema/index.ts';
import { createInlineBudgets, type RequestInlineBudget } from './inline-budget.ts';
import { createCacheEvents } from './services/stats-stream.ts';
import { useBodyLimit } from './plugins/use-body-limit.ts';
import { useStreamedUpload } from './plugins/use-streamed-upload.ts';
import { corsOption, useCsrfHeader, type CorsPolicyOptions } from './plugins/use-cors-policy.ts';
import { useMaxAliases } from './plugins/use-max-aliases.ts';
import { useMaxDepth } from './plugins/use-max-depth.ts';
import { useMaxTokens } from './plugins/use-max-tokens.ts';
import { useJit, type JitOptions } from './plugins/use-jit.ts';

export interface YogaOptions {
  /** Default `/graphql`. */
  graphqlEndpoint?: string;
  /** GraphiQL on GET from a browser; default true. */
  graphiql?: boolean;
  maxDepth?: number;
  maxAliases?: number;
  maxTokens?: number;
  /** Non-multipart request bodies; uploads are bounded by config.maxUploadBytes. */
  maxBodyBytes?: number;
  /** Who may read answers from a browser (src/auth/cors.ts); default the server's own origin only. */
  cors?: CorsPolicyOptions;
  /** Where the example operations GraphiQL opens with live; default schema/operations. */
  operationsDir?: string;
  /** When queries are compiled by graphql-jit (plugins/use-jit.ts). */
  jit?: JitOptions;
}

export type GraphQLServer = YogaServerInstance<Record<string, unknown>, GraphQLContext>;

export const CSRF_HEADER = 'x-graphql-yoga-csrf';
const OPERATIONS_DIR = fileURLToPath(new URL('../../schema/operations/', import.meta.url));

export function createYoga(services: GraphQLServices, options: YogaOptions = {}): GraphQLServer {
  const config: GraphQLConfig = { ...DEFAULT_CONFIG, ...services.config };
  const cacheEvents = services.cacheEvents ?? createCacheEvents();
  const { logger } = services;
  const budgets = createInlineBudgets(config.inlineBudget);
  const requestBudgets = new WeakMap<Request, RequestInlineBudget>();
  // A client is its (valid) bearer token when it sends one, else its address (tests calling fetch() have none).
  const budgetOf = (request: Request, validToken: boolean, address: string | undefined): RequestInlineBudget => {
    const token = validToken ? request.headers.get('authorization') : null;
    const client = token ? `token:${createHash('sha256').update(token).digest('base64url')}` : `addr:${address ?? 'local'}`;
    const budget = budgets.forRequest(client);
    requestBudgets.set(request, budget);
    return budget;
  };
  return createYogaServer<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: options.graphqlEndpoint ?? '/graphql',
    landingPage: false,
    batching: false,
    // useBodyLimit below sizes bodies by kind (uploads are larger than everything else).
    maxRequestBodySize: false,
    context: ({ request, req }: { request: Request; req?: { socket?: { remoteAddress?: string } } }) => {
      const auth = authenticate(request.headers.get('authorization'), services.auth);
      return {
        peers: services.peers ?? null,
        store: services.store,
        cache: services.cache,
        reader: services.reader,
        links: services.links,
        logger,
        config,
        cacheEvents,
        auth,
        tokens: services.tokens ?? null,
        baseUrl: config.publicUrl ?? new URL(request.url).origin,
        inline: budgetOf(request, auth.token === 'valid', req?.socket?.remoteAddress),
      };
    },
    maskedErrors: {
      maskError(error, message, isDev) {
        const masked = maskError(error, message, isDev);
        if (masked !== error) {
          const original = (error as { originalError?: unknown }).originalError ?? error;
          logger.error('graphql: unexpected error', { error: original, path: (error as { path?: unknown }).path });
        }
        return masked;
      },
    },
    logging: {
      debug: () => {},
      info: (...args: unknown[]) => logger.info(`graphql: ${args.map(String).join(' ')}`),
      warn: (...args: unknown[]) => logger.warn(`graphql: ${args.map(String).join(' ')}`),
      error: (...args: unknown[]) => logger.error(`graphql: ${args.map(String).join(' ')}`),
    },
    cors: corsOption(options.cors ?? { policy: corsPolicy([]) }),
    graphiql: options.graphiql === false ? false : graphiqlOptions(options.operationsDir ?? OPERATIONS_DIR, CSRF_HEADER),
    renderGraphiQL,
    plugins: [
      useCsrfHeader(),
      useBodyLimit({ maxBodyBytes: options.maxBodyBytes, maxUploadBytes: config.maxUploadBytes }),
      // After useBodyLimit: a declared Content-Length over the limit is refused before this parser starts.
      useStreamedUpload(),
      useMaxTokens({ maxTokens: options.maxTokens }),
      useMaxDepth({ maxDepth: options.maxDepth }),
      useMaxAliases({ maxAliases: options.maxAliases }),
      // A query graphql-jit cannot compile still runs (with the executor); said once per document.
      useJit({ onCompile: (name, compiled) => compiled || logger.info('graphql: graphql-jit could not compile a query; the executor runs it', { operation: name }), ...options.jit }),
      {
        // The response is built (its body serialised): this request's inline work leaves its client's tally.
        onResponse({ request }) {
          requestBudgets.get(request)?.release();
        },
      },
    ],
  });
}

/** The first tab: something that answers at once on any store. */
const WELCOME = `# ipfrs GraphiQL. The other tabs hold the operations of schema/operations (the typed client's documents).
# Slices use numpy basic indexing: tensor(cid: "...", name: "...") { slice(spec: "0:10, :, 5") { ... } }
query FirstTensors {
  tensors(first: 10) {
    totalCount
    edges {
      node {
        cid
        name
        dtype
        shape
      }
    }
  }
}
`;

/** Reading order of the example files: reads first, admin last. */
const TAB_ORDER = ['tensors.graphql', 'files.graphql', 'cache.graphql', 'admin.graphql'];

/** GraphiQL opens on WELCOME, with one more tab per file of example operations (read once, at start). */
function graphiqlOptions(dir: string, csrfHeader: string) {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.graphql'));
  } catch {
    // No operations folder (e.g. an installed package without it): just the welcome tab.
  }
  const rank = (file: string) => (TAB_ORDER.includes(file) ? TAB_ORDER.indexOf(file) : TAB_ORDER.length);
  files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const tabs = files.map((file) => {
    const query = readFileSync(`${dir}/${file}`, 'utf8');
    const mutations = /^\s*mutation\b/m.test(query);
    return {
      query,
      variables: null,
      headers: mutations ? JSON.stringify({ Authorization: 'Bearer <the token in <store>/admin-token>' }, null, 2) : null,
    };
  });
  return {
    title: 'ipfrs GraphiQL',
    defaultQuery: WELCOME,
    defaultTabs: [{ query: WELCOME, variables: null, headers: null }, ...tabs],
    subscriptionsProtocol: 'SSE' as const,
    // GraphiQL subscribes with a GET (text/event-stream): without the header CSRF prevention refuses it. The page
    // is same-origin, so sending the header from it is what the header is for.
    additionalHeaders: { [csrfHeader]: 'graphiql' },
  };
}
