// Original file: schema/ipfrs/v1/cache_service.proto

import type { CacheEntry as _ipfrs_v1_CacheEntry, CacheEntry__Output as _ipfrs_v1_CacheEntry__Output } from '../../ipfrs/v1/CacheEntry.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The cache: an LRU bounded by entries and by mapped bytes.
 */
export interface CacheStats {
  'entries'?: (number);
  'max_entries'?: (number);
  'mapped_bytes'?: (number | string | Long);
  'max_bytes'?: (number | string | Long);
  'hits'?: (number | string | Long);
  'misses'?: (number | string | Long);
  'evictions'?: (number | string | Long);
  /**
   * hits / (hits + misses); 0 before the first lookup.
   */
  'hit_ratio'?: (number | string);
  /**
   * Most recently used first.
   */
  'files'?: (_ipfrs_v1_CacheEntry)[];
}

/**
 * The cache: an LRU bounded by entries and by mapped bytes.
 */
export interface CacheStats__Output {
  'entries': (number);
  'max_entries': (number);
  'mapped_bytes': (number);
  'max_bytes': (number);
  'hits': (number);
  'misses': (number);
  'evictions': (number);
  /**
   * hits / (hits + misses); 0 before the first lookup.
   */
  'hit_ratio': (number);
  /**
   * Most recently used first.
   */
  'files': (_ipfrs_v1_CacheEntry__Output)[];
}
