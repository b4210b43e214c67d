import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CacheEntry as _ipfrs_v1_CacheEntry, CacheEntry__Output as _ipfrs_v1_CacheEntry__Output } from './ipfrs/v1/CacheEntry.ts';
import type { CacheServiceClient as _ipfrs_v1_CacheServiceClient, CacheServiceDefinition as _ipfrs_v1_CacheServiceDefinition } from './ipfrs/v1/CacheService.ts';
import type { CacheStats as _ipfrs_v1_CacheStats, CacheStats__Output as _ipfrs_v1_CacheStats__Output } from './ipfrs/v1/CacheStats.ts';
import type { ClearRequest as _ipfrs_v1_ClearRequest, ClearRequest__Output as _ipfrs_v1_ClearRequest__Output } from './ipfrs/v1/ClearRequest.ts';
import type { EvictRequest as _ipfrs_v1_EvictRequest, EvictRequest__Output as _ipfrs_v1_EvictRequest__Output } from './ipfrs/v1/EvictRequest.ts';
import type { EvictResponse as _ipfrs_v1_EvictResponse, EvictResponse__Output as _ipfrs_v1_EvictResponse__Output } from './ipfrs/v1/EvictResponse.ts';
import type { GetStatsRequest as _ipfrs_v1_GetStatsRequest, GetStatsRequest__Output as _ipfrs_v1_GetStatsRequest__Output } from './ipfrs/v1/GetStatsRequest.ts';
import type { WarmRequest as _ipfrs_v1_WarmRequest, WarmRequest__Output as _ipfrs_v1_WarmRequest__Output } from './ipfrs/v1/WarmRequest.ts';
import type { WatchStatsRequest as _ipfrs_v1_WatchStatsRequest, WatchStatsRequest__Output as _ipfrs_v1_WatchStatsRequest__Output } from './ipfrs/v1/WatchStatsRequest.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ipfrs: {
    v1: {
      CacheAccess: EnumTypeDefinition
      CacheEntry: MessageTypeDefinition<_ipfrs_v1_CacheEntry, _ipfrs_v1_CacheEntry__Output>
      CacheService: SubtypeConstructor<typeof grpc.Client, _ipfrs_v1_CacheServiceClient> & { service: _ipfrs_v1_CacheServiceDefinition }
      CacheStats: MessageTypeDefinition<_ipfrs_v1_CacheStats, _ipfrs_v1_CacheStats__Output>
      ClearRequest: MessageTypeDefinition<_ipfrs_v1_ClearRequest, _ipfrs_v1_ClearRequest__Output>
      EvictRequest: MessageTypeDefinition<_ipfrs_v1_EvictRequest, _ipfrs_v1_EvictRequest__Output>
      EvictResponse: MessageTypeDefinition<_ipfrs_v1_EvictResponse, _ipfrs_v1_EvictResponse__Output>
      GetStatsRequest: MessageTypeDefinition<_ipfrs_v1_GetStatsRequest, _ipfrs_v1_GetStatsRequest__Output>
      WarmRequest: MessageTypeDefinition<_ipfrs_v1_WarmRequest, _ipfrs_v1_WarmRequest__Output>
      WatchStatsRequest: MessageTypeDefinition<_ipfrs_v1_WatchStatsRequest, _ipfrs_v1_WatchStatsRequest__Output>
    }
  }
}

