// Original file: schema/ipfrs/v1/cache_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CacheEntry as _ipfrs_v1_CacheEntry, CacheEntry__Output as _ipfrs_v1_CacheEntry__Output } from '../../ipfrs/v1/CacheEntry.ts';
import type { CacheStats as _ipfrs_v1_CacheStats, CacheStats__Output as _ipfrs_v1_CacheStats__Output } from '../../ipfrs/v1/CacheStats.ts';
import type { ClearRequest as _ipfrs_v1_ClearRequest, ClearRequest__Output as _ipfrs_v1_ClearRequest__Output } from '../../ipfrs/v1/ClearRequest.ts';
import type { EvictRequest as _ipfrs_v1_EvictRequest, EvictRequest__Output as _ipfrs_v1_EvictRequest__Output } from '../../ipfrs/v1/EvictRequest.ts';
import type { EvictResponse as _ipfrs_v1_EvictResponse, EvictResponse__Output as _ipfrs_v1_EvictResponse__Output } from '../../ipfrs/v1/EvictResponse.ts';
import type { GetStatsRequest as _ipfrs_v1_GetStatsRequest, GetStatsRequest__Output as _ipfrs_v1_GetStatsRequest__Output } from '../../ipfrs/v1/GetStatsRequest.ts';
import type { WarmRequest as _ipfrs_v1_WarmRequest, WarmRequest__Output as _ipfrs_v1_WarmRequest__Output } from '../../ipfrs/v1/WarmRequest.ts';
import type { WatchStatsRequest as _ipfrs_v1_WatchStatsRequest, WatchStatsRequest__Output as _ipfrs_v1_WatchStatsRequest__Output } from '../../ipfrs/v1/WatchStatsRequest.ts';

export interface CacheServiceClient extends grpc.Client {
  /**
   * Unmaps every file (views in use stay valid until released); the stats after. Needs admin.
   */
  Clear(argument: _ipfrs_v1_ClearRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  Clear(argument: _ipfrs_v1_ClearRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  Clear(argument: _ipfrs_v1_ClearRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  Clear(argument: _ipfrs_v1_ClearRequest, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  /**
   * Unmaps every file (views in use stay valid until released); the stats after. Needs admin.
   */
  clear(argument: _ipfrs_v1_ClearRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  clear(argument: _ipfrs_v1_ClearRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  clear(argument: _ipfrs_v1_ClearRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  clear(argument: _ipfrs_v1_ClearRequest, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  
  /**
   * Unmaps one file. Needs admin.
   */
  Evict(argument: _ipfrs_v1_EvictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  Evict(argument: _ipfrs_v1_EvictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  Evict(argument: _ipfrs_v1_EvictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  Evict(argument: _ipfrs_v1_EvictRequest, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Unmaps one file. Needs admin.
   */
  evict(argument: _ipfrs_v1_EvictRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _ipfrs_v1_EvictRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _ipfrs_v1_EvictRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  evict(argument: _ipfrs_v1_EvictRequest, callback: grpc.requestCallback<_ipfrs_v1_EvictResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The cache now.
   */
  GetStats(argument: _ipfrs_v1_GetStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _ipfrs_v1_GetStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _ipfrs_v1_GetStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  GetStats(argument: _ipfrs_v1_GetStatsRequest, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  /**
   * The cache now.
   */
  getStats(argument: _ipfrs_v1_GetStatsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _ipfrs_v1_GetStatsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _ipfrs_v1_GetStatsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  getStats(argument: _ipfrs_v1_GetStatsRequest, callback: grpc.requestCallback<_ipfrs_v1_CacheStats__Output>): grpc.ClientUnaryCall;
  
  /**
   * Maps a file ahead of use, with access advice; NOT_FOUND for a CID the store lacks. Needs admin.
   */
  Warm(argument: _ipfrs_v1_WarmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  Warm(argument: _ipfrs_v1_WarmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  Warm(argument: _ipfrs_v1_WarmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  Warm(argument: _ipfrs_v1_WarmRequest, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  /**
   * Maps a file ahead of use, with access advice; NOT_FOUND for a CID the store lacks. Needs admin.
   */
  warm(argument: _ipfrs_v1_WarmRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  warm(argument: _ipfrs_v1_WarmRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  warm(argument: _ipfrs_v1_WarmRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  warm(argument: _ipfrs_v1_WarmRequest, callback: grpc.requestCallback<_ipfrs_v1_CacheEntry__Output>): grpc.ClientUnaryCall;
  
  /**
   * The stats now, then again whenever they change (checked every interval_ms, and at once after a change).
   */
  WatchStats(argument: _ipfrs_v1_WatchStatsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_CacheStats__Output>;
  WatchStats(argument: _ipfrs_v1_WatchStatsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_CacheStats__Output>;
  /**
   * The stats now, then again whenever they change (checked every interval_ms, and at once after a change).
   */
  watchStats(argument: _ipfrs_v1_WatchStatsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_CacheStats__Output>;
  watchStats(argument: _ipfrs_v1_WatchStatsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_CacheStats__Output>;
  
}

export interface CacheServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Unmaps every file (views in use stay valid until released); the stats after. Needs admin.
   */
  Clear: grpc.handleUnaryCall<_ipfrs_v1_ClearRequest__Output, _ipfrs_v1_CacheStats>;
  
  /**
   * Unmaps one file. Needs admin.
   */
  Evict: grpc.handleUnaryCall<_ipfrs_v1_EvictRequest__Output, _ipfrs_v1_EvictResponse>;
  
  /**
   * The cache now.
   */
  GetStats: grpc.handleUnaryCall<_ipfrs_v1_GetStatsRequest__Output, _ipfrs_v1_CacheStats>;
  
  /**
   * Maps a file ahead of use, with access advice; NOT_FOUND for a CID the store lacks. Needs admin.
   */
  Warm: grpc.handleUnaryCall<_ipfrs_v1_WarmRequest__Output, _ipfrs_v1_CacheEntry>;
  
  /**
   * The stats now, then again whenever they change (checked every interval_ms, and at once after a change).
   */
  WatchStats: grpc.handleServerStreamingCall<_ipfrs_v1_WatchStatsRequest__Output, _ipfrs_v1_CacheStats>;
  
}

export interface CacheServiceDefinition extends grpc.ServiceDefinition {
  Clear: MethodDefinition<_ipfrs_v1_ClearRequest, _ipfrs_v1_CacheStats, _ipfrs_v1_ClearRequest__Output, _ipfrs_v1_CacheStats__Output>
  Evict: MethodDefinition<_ipfrs_v1_EvictRequest, _ipfrs_v1_EvictResponse, _ipfrs_v1_EvictRequest__Output, _ipfrs_v1_EvictResponse__Output>
  GetStats: MethodDefinition<_ipfrs_v1_GetStatsRequest, _ipfrs_v1_CacheStats, _ipfrs_v1_GetStatsRequest__Output, _ipfrs_v1_CacheStats__Output>
  Warm: MethodDefinition<_ipfrs_v1_WarmRequest, _ipfrs_v1_CacheEntry, _ipfrs_v1_WarmRequest__Output, _ipfrs_v1_CacheEntry__Output>
  WatchStats: MethodDefinition<_ipfrs_v1_WatchStatsRequest, _ipfrs_v1_CacheStats, _ipfrs_v1_WatchStatsRequest__Output, _ipfrs_v1_CacheStats__Output>
}
