// The API's configuration, the services it is given (ports: services/ports.ts) and the per-request context built
// from them. Nothing of store or mmap is loaded, so printing the schema or running codegen never loads the addon.
import type { AuthPort, CacheEvents, CachePort, LinksPort, LoggerPort, PeersPort, ReaderPort, RequestAuth, StorePort, TokensPort } from './services/ports.ts';
import { DEFAULT_INLINE_BUDGET, type InlineBudgetLimits, type RequestInlineBudget } from './inline-budget.ts';

export interface GraphQLConfig {
  /** Results up to this many bytes come inline; larger ones as a link. */
  inlineLimit: number;
  /** The most a request's `inlineLimit` argument may ask for. */
  maxInlineLimit: number;
  defaultPageSize: number;
  maxPageSize: number;
  /** Upload (multipart) bytes accepted by addTensorFile. */
  maxUploadBytes: number;
  /** Default and maximum `expiresIn` of links, seconds. */
  linkExpiresIn: number;
  maxLinkExpiresIn: number;
  /** Base of link URLs, e.g. `https://tensors.example.com`; null: the origin the request came to. */
  publicUrl: string | null;
  /** Bounds of the cacheStats subscription's `intervalMs`. */
  minStatsIntervalMs: number;
  maxStatsIntervalMs: number;
  /** Cost budget of one operation (see the complexity of each field in the schema). */
  maxComplexity: number;
  /** Event-loop work inline answers may cost, per request and per client in flight (inline-budget.ts). */
  inlineBudget: InlineBudgetLimits;
}

export const DEFAULT_CONFIG: GraphQLConfig = {
  inlineLimit: 64 * 1024,
  maxInlineLimit: 4 * 1024 * 1024,
  defaultPageSize: 20,
  maxPageSize: 1000,
  maxUploadBytes: 256 * 1024 * 1024,
  linkExpiresIn: 900,
  maxLinkExpiresIn: 7 * 24 * 3600,
  publicUrl: null,
  minStatsIntervalMs: 100,
  maxStatsIntervalMs: 60 * 60 * 1000,
  maxComplexity: 50_000,
  inlineBudget: DEFAULT_INLINE_BUDGET,
};

/** What src/server.ts hands to createYoga. */
export interface GraphQLServices {
  /** Absent: the server has no peers, and addFromPeers answers UNAVAILABLE. */
  peers?: PeersPort;
  store: StorePort;
  cache: CachePort;
  reader: ReaderPort;
  links: LinksPort;
  auth: AuthPort;
  /** Absent: the token fields answer that this server manages no tokens. */
  tokens?: TokensPort;
  logger: LoggerPort;
  config?: Partial<GraphQLConfig>;
  /** Shared with the other interfaces that change the cache (gRPC), so subscribers hear of their changes too. */
  cacheEvents?: CacheEvents;
}

export interface GraphQLContext {
  peers: PeersPort | null;
  store: StorePort;
  cache: CachePort;
  reader: ReaderPort;
  links: LinksPort;
  logger: LoggerPort;
  config: GraphQLConfig;
  auth: RequestAuth;
  tokens: TokensPort | null;
  cacheEvents: CacheEvents;
  /** Origin links are made absolute against: config.publicUrl, else the request's own. */
  baseUrl: string;
  /** What this request's inline answers have cost so far (inline-budget.ts). */
  inline: RequestInlineBudget;
}
