import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AddFileMetadata as _ipfrs_v1_AddFileMetadata, AddFileMetadata__Output as _ipfrs_v1_AddFileMetadata__Output } from './ipfrs/v1/AddFileMetadata.ts';
import type { AddFileRequest as _ipfrs_v1_AddFileRequest, AddFileRequest__Output as _ipfrs_v1_AddFileRequest__Output } from './ipfrs/v1/AddFileRequest.ts';
import type { DeleteFileRequest as _ipfrs_v1_DeleteFileRequest, DeleteFileRequest__Output as _ipfrs_v1_DeleteFileRequest__Output } from './ipfrs/v1/DeleteFileRequest.ts';
import type { DeleteFileResponse as _ipfrs_v1_DeleteFileResponse, DeleteFileResponse__Output as _ipfrs_v1_DeleteFileResponse__Output } from './ipfrs/v1/DeleteFileResponse.ts';
import type { GetFileRequest as _ipfrs_v1_GetFileRequest, GetFileRequest__Output as _ipfrs_v1_GetFileRequest__Output } from './ipfrs/v1/GetFileRequest.ts';
import type { GetTensorRequest as _ipfrs_v1_GetTensorRequest, GetTensorRequest__Output as _ipfrs_v1_GetTensorRequest__Output } from './ipfrs/v1/GetTensorRequest.ts';
import type { ListFilesRequest as _ipfrs_v1_ListFilesRequest, ListFilesRequest__Output as _ipfrs_v1_ListFilesRequest__Output } from './ipfrs/v1/ListFilesRequest.ts';
import type { ListFilesResponse as _ipfrs_v1_ListFilesResponse, ListFilesResponse__Output as _ipfrs_v1_ListFilesResponse__Output } from './ipfrs/v1/ListFilesResponse.ts';
import type { ListTensorsRequest as _ipfrs_v1_ListTensorsRequest, ListTensorsRequest__Output as _ipfrs_v1_ListTensorsRequest__Output } from './ipfrs/v1/ListTensorsRequest.ts';
import type { ListTensorsResponse as _ipfrs_v1_ListTensorsResponse, ListTensorsResponse__Output as _ipfrs_v1_ListTensorsResponse__Output } from './ipfrs/v1/ListTensorsResponse.ts';
import type { ReadRangeRequest as _ipfrs_v1_ReadRangeRequest, ReadRangeRequest__Output as _ipfrs_v1_ReadRangeRequest__Output } from './ipfrs/v1/ReadRangeRequest.ts';
import type { ReadRangeResponse as _ipfrs_v1_ReadRangeResponse, ReadRangeResponse__Output as _ipfrs_v1_ReadRangeResponse__Output } from './ipfrs/v1/ReadRangeResponse.ts';
import type { ReadSliceRequest as _ipfrs_v1_ReadSliceRequest, ReadSliceRequest__Output as _ipfrs_v1_ReadSliceRequest__Output } from './ipfrs/v1/ReadSliceRequest.ts';
import type { ReadSliceResponse as _ipfrs_v1_ReadSliceResponse, ReadSliceResponse__Output as _ipfrs_v1_ReadSliceResponse__Output } from './ipfrs/v1/ReadSliceResponse.ts';
import type { SliceHeader as _ipfrs_v1_SliceHeader, SliceHeader__Output as _ipfrs_v1_SliceHeader__Output } from './ipfrs/v1/SliceHeader.ts';
import type { Tensor as _ipfrs_v1_Tensor, Tensor__Output as _ipfrs_v1_Tensor__Output } from './ipfrs/v1/Tensor.ts';
import type { TensorFile as _ipfrs_v1_TensorFile, TensorFile__Output as _ipfrs_v1_TensorFile__Output } from './ipfrs/v1/TensorFile.ts';
import type { TensorServiceClient as _ipfrs_v1_TensorServiceClient, TensorServiceDefinition as _ipfrs_v1_TensorServiceDefinition } from './ipfrs/v1/TensorService.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  ipfrs: {
    v1: {
      AddFileMetadata: MessageTypeDefinition<_ipfrs_v1_AddFileMetadata, _ipfrs_v1_AddFileMetadata__Output>
      AddFileRequest: MessageTypeDefinition<_ipfrs_v1_AddFileRequest, _ipfrs_v1_AddFileRequest__Output>
      DeleteFileRequest: MessageTypeDefinition<_ipfrs_v1_DeleteFileRequest, _ipfrs_v1_DeleteFileRequest__Output>
      DeleteFileResponse: MessageTypeDefinition<_ipfrs_v1_DeleteFileResponse, _ipfrs_v1_DeleteFileResponse__Output>
      FileFormat: EnumTypeDefinition
      GetFileRequest: MessageTypeDefinition<_ipfrs_v1_GetFileRequest, _ipfrs_v1_GetFileRequest__Output>
      GetTensorRequest: MessageTypeDefinition<_ipfrs_v1_GetTensorRequest, _ipfrs_v1_GetTensorRequest__Output>
      ListFilesRequest: MessageTypeDefinition<_ipfrs_v1_ListFilesRequest, _ipfrs_v1_ListFilesRequest__Output>
      ListFilesResponse: MessageTypeDefinition<_ipfrs_v1_ListFilesResponse, _ipfrs_v1_ListFilesResponse__Output>
      ListTensorsRequest: MessageTypeDefinition<_ipfrs_v1_ListTensorsRequest, _ipfrs_v1_ListTensorsRequest__Output>
      ListTensorsResponse: MessageTypeDefinition<_ipfrs_v1_ListTensorsResponse, _ipfrs_v1_ListTensorsResponse__Output>
      ReadRangeRequest: MessageTypeDefinition<_ipfrs_v1_ReadRangeRequest, _ipfrs_v1_ReadRangeRequest__Output>
      ReadRangeResponse: MessageTypeDefinition<_ipfrs_v1_ReadRangeResponse, _ipfrs_v1_ReadRangeResponse__Output>
      ReadSliceRequest: MessageTypeDefinition<_ipfrs_v1_ReadSliceRequest, _ipfrs_v1_ReadSliceRequest__Output>
      ReadSliceResponse: MessageTypeDefinition<_ipfrs_v1_ReadSliceResponse, _ipfrs_v1_ReadSliceResponse__Output>
      SliceFormat: EnumTypeDefinition
      SliceHeader: MessageTypeDefinition<_ipfrs_v1_SliceHeader, _ipfrs_v1_SliceHeader__Output>
      Tensor: MessageTypeDefinition<_ipfrs_v1_Tensor, _ipfrs_v1_Tensor__Output>
      TensorFile: MessageTypeDefinition<_ipfrs_v1_TensorFile, _ipfrs_v1_TensorFile__Output>
      TensorService: SubtypeConstructor<typeof grpc.Client, _ipfrs_v1_TensorServiceClient> & { service: _ipfrs_v1_TensorServiceDefinition }
    }
  }
}

