// Original file: schema/ipfrs/v1/cache_service.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A file mapped in the cache.
 */
export interface CacheEntry {
  'cid'?: (string);
  /**
   * Mapped bytes.
   */
  'size'?: (number | string | Long);
  'hits'?: (number | string | Long);
  /**
   * Unix milliseconds.
   */
  'last_access_ms'?: (number | string | Long);
}

/**
 * A file mapped in the cache.
 */
export interface CacheEntry__Output {
  'cid': (string);
  /**
   * Mapped bytes.
   */
  'size': (number);
  'hits': (number);
  /**
   * Unix milliseconds.
   */
  'last_access_ms': (number);
}
