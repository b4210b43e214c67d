// Original file: schema/ipfrs/v1/cache_service.proto

/**
 * How a file will be read, as advice to the kernel (madvise).
 */
export const CacheAccess = {
  /**
   * No advice.
   */
  CACHE_ACCESS_DEFAULT: 'CACHE_ACCESS_DEFAULT',
  /**
   * Read start to end (aggressive read-ahead).
   */
  CACHE_ACCESS_SEQUENTIAL: 'CACHE_ACCESS_SEQUENTIAL',
  /**
   * Scattered reads (no read-ahead).
   */
  CACHE_ACCESS_RANDOM: 'CACHE_ACCESS_RANDOM',
  /**
   * Back with huge pages where the kernel can.
   */
  CACHE_ACCESS_HUGEPAGES: 'CACHE_ACCESS_HUGEPAGES',
} as const;

/**
 * How a file will be read, as advice to the kernel (madvise).
 */
export type CacheAccess =
  /**
   * No advice.
   */
  | 'CACHE_ACCESS_DEFAULT'
  | 0
  /**
   * Read start to end (aggressive read-ahead).
   */
  | 'CACHE_ACCESS_SEQUENTIAL'
  | 1
  /**
   * Scattered reads (no read-ahead).
   */
  | 'CACHE_ACCESS_RANDOM'
  | 2
  /**
   * Back with huge pages where the kernel can.
   */
  | 'CACHE_ACCESS_HUGEPAGES'
  | 3

/**
 * How a file will be read, as advice to the kernel (madvise).
 */
export type CacheAccess__Output = typeof CacheAccess[keyof typeof CacheAccess]
