// Original file: schema/ipfrs/v1/tensor_service.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AddFileRequest as _ipfrs_v1_AddFileRequest, AddFileRequest__Output as _ipfrs_v1_AddFileRequest__Output } from '../../ipfrs/v1/AddFileRequest.ts';
import type { DeleteFileRequest as _ipfrs_v1_DeleteFileRequest, DeleteFileRequest__Output as _ipfrs_v1_DeleteFileRequest__Output } from '../../ipfrs/v1/DeleteFileRequest.ts';
import type { DeleteFileResponse as _ipfrs_v1_DeleteFileResponse, DeleteFileResponse__Output as _ipfrs_v1_DeleteFileResponse__Output } from '../../ipfrs/v1/DeleteFileResponse.ts';
import type { GetFileRequest as _ipfrs_v1_GetFileRequest, GetFileRequest__Output as _ipfrs_v1_GetFileRequest__Output } from '../../ipfrs/v1/GetFileRequest.ts';
import type { GetTensorRequest as _ipfrs_v1_GetTensorRequest, GetTensorRequest__Output as _ipfrs_v1_GetTensorRequest__Output } from '../../ipfrs/v1/GetTensorRequest.ts';
import type { ListFilesRequest as _ipfrs_v1_ListFilesRequest, ListFilesRequest__Output as _ipfrs_v1_ListFilesRequest__Output } from '../../ipfrs/v1/ListFilesRequest.ts';
import type { ListFilesResponse as _ipfrs_v1_ListFilesResponse, ListFilesResponse__Output as _ipfrs_v1_ListFilesResponse__Output } from '../../ipfrs/v1/ListFilesResponse.ts';
import type { ListTensorsRequest as _ipfrs_v1_ListTensorsRequest, ListTensorsRequest__Output as _ipfrs_v1_ListTensorsRequest__Output } from '../../ipfrs/v1/ListTensorsRequest.ts';
import type { ListTensorsResponse as _ipfrs_v1_ListTensorsResponse, ListTensorsResponse__Output as _ipfrs_v1_ListTensorsResponse__Output } from '../../ipfrs/v1/ListTensorsResponse.ts';
import type { ReadRangeRequest as _ipfrs_v1_ReadRangeRequest, ReadRangeRequest__Output as _ipfrs_v1_ReadRangeRequest__Output } from '../../ipfrs/v1/ReadRangeRequest.ts';
import type { ReadRangeResponse as _ipfrs_v1_ReadRangeResponse, ReadRangeResponse__Output as _ipfrs_v1_ReadRangeResponse__Output } from '../../ipfrs/v1/ReadRangeResponse.ts';
import type { ReadSliceRequest as _ipfrs_v1_ReadSliceRequest, ReadSliceRequest__Output as _ipfrs_v1_ReadSliceRequest__Output } from '../../ipfrs/v1/ReadSliceRequest.ts';
import type { ReadSliceResponse as _ipfrs_v1_ReadSliceResponse, ReadSliceResponse__Output as _ipfrs_v1_ReadSliceResponse__Output } from '../../ipfrs/v1/ReadSliceResponse.ts';
import type { Tensor as _ipfrs_v1_Tensor, Tensor__Output as _ipfrs_v1_Tensor__Output } from '../../ipfrs/v1/Tensor.ts';
import type { TensorFile as _ipfrs_v1_TensorFile, TensorFile__Output as _ipfrs_v1_TensorFile__Output } from '../../ipfrs/v1/TensorFile.ts';

export interface TensorServiceClient extends grpc.Client {
  /**
   * Adds a file: the first message is its metadata, the others its bytes. Atomic, like `ipfrs add`. Needs write.
   */
  AddFile(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  AddFile(metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  AddFile(options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  AddFile(callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  /**
   * Adds a file: the first message is its metadata, the others its bytes. Atomic, like `ipfrs add`. Needs write.
   */
  addFile(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  addFile(metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  addFile(options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  addFile(callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientWritableStream<_ipfrs_v1_AddFileRequest>;
  
  /**
   * Deletes a file, its tensors and its cache entry. Needs write.
   */
  DeleteFile(argument: _ipfrs_v1_DeleteFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  DeleteFile(argument: _ipfrs_v1_DeleteFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  DeleteFile(argument: _ipfrs_v1_DeleteFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  DeleteFile(argument: _ipfrs_v1_DeleteFileRequest, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Deletes a file, its tensors and its cache entry. Needs write.
   */
  deleteFile(argument: _ipfrs_v1_DeleteFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  deleteFile(argument: _ipfrs_v1_DeleteFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  deleteFile(argument: _ipfrs_v1_DeleteFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  deleteFile(argument: _ipfrs_v1_DeleteFileRequest, callback: grpc.requestCallback<_ipfrs_v1_DeleteFileResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One file by CID; NOT_FOUND when the store has none.
   */
  GetFile(argument: _ipfrs_v1_GetFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  GetFile(argument: _ipfrs_v1_GetFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  GetFile(argument: _ipfrs_v1_GetFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  GetFile(argument: _ipfrs_v1_GetFileRequest, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  /**
   * One file by CID; NOT_FOUND when the store has none.
   */
  getFile(argument: _ipfrs_v1_GetFileRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  getFile(argument: _ipfrs_v1_GetFileRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  getFile(argument: _ipfrs_v1_GetFileRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  getFile(argument: _ipfrs_v1_GetFileRequest, callback: grpc.requestCallback<_ipfrs_v1_TensorFile__Output>): grpc.ClientUnaryCall;
  
  /**
   * One tensor by file CID and name; NOT_FOUND when absent.
   */
  GetTensor(argument: _ipfrs_v1_GetTensorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  GetTensor(argument: _ipfrs_v1_GetTensorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  GetTensor(argument: _ipfrs_v1_GetTensorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  GetTensor(argument: _ipfrs_v1_GetTensorRequest, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  /**
   * One tensor by file CID and name; NOT_FOUND when absent.
   */
  getTensor(argument: _ipfrs_v1_GetTensorRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  getTensor(argument: _ipfrs_v1_GetTensorRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  getTensor(argument: _ipfrs_v1_GetTensorRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  getTensor(argument: _ipfrs_v1_GetTensorRequest, callback: grpc.requestCallback<_ipfrs_v1_Tensor__Output>): grpc.ClientUnaryCall;
  
  /**
   * The files of the store, in the order they were added.
   */
  ListFiles(argument: _ipfrs_v1_ListFilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  ListFiles(argument: _ipfrs_v1_ListFilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  ListFiles(argument: _ipfrs_v1_ListFilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  ListFiles(argument: _ipfrs_v1_ListFilesRequest, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The files of the store, in the order they were added.
   */
  listFiles(argument: _ipfrs_v1_ListFilesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _ipfrs_v1_ListFilesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _ipfrs_v1_ListFilesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  listFiles(argument: _ipfrs_v1_ListFilesRequest, callback: grpc.requestCallback<_ipfrs_v1_ListFilesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Tensors of every file (or of one), ordered by name, then by file CID.
   */
  ListTensors(argument: _ipfrs_v1_ListTensorsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  ListTensors(argument: _ipfrs_v1_ListTensorsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  ListTensors(argument: _ipfrs_v1_ListTensorsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  ListTensors(argument: _ipfrs_v1_ListTensorsRequest, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Tensors of every file (or of one), ordered by name, then by file CID.
   */
  listTensors(argument: _ipfrs_v1_ListTensorsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  listTensors(argument: _ipfrs_v1_ListTensorsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  listTensors(argument: _ipfrs_v1_ListTensorsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  listTensors(argument: _ipfrs_v1_ListTensorsRequest, callback: grpc.requestCallback<_ipfrs_v1_ListTensorsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Bytes [start, end) of a file, in chunks.
   */
  ReadRange(argument: _ipfrs_v1_ReadRangeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadRangeResponse__Output>;
  ReadRange(argument: _ipfrs_v1_ReadRangeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadRangeResponse__Output>;
  /**
   * Bytes [start, end) of a file, in chunks.
   */
  readRange(argument: _ipfrs_v1_ReadRangeRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadRangeResponse__Output>;
  readRange(argument: _ipfrs_v1_ReadRangeRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadRangeResponse__Output>;
  
  /**
   * A tensor or a numpy basic-indexing slice of it: a SliceHeader, then the bytes in chunks.
   */
  ReadSlice(argument: _ipfrs_v1_ReadSliceRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadSliceResponse__Output>;
  ReadSlice(argument: _ipfrs_v1_ReadSliceRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadSliceResponse__Output>;
  /**
   * A tensor or a numpy basic-indexing slice of it: a SliceHeader, then the bytes in chunks.
   */
  readSlice(argument: _ipfrs_v1_ReadSliceRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadSliceResponse__Output>;
  readSlice(argument: _ipfrs_v1_ReadSliceRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_ipfrs_v1_ReadSliceResponse__Output>;
  
}

export interface TensorServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Adds a file: the first message is its metadata, the others its bytes. Atomic, like `ipfrs add`. Needs write.
   */
  AddFile: grpc.handleClientStreamingCall<_ipfrs_v1_AddFileRequest__Output, _ipfrs_v1_TensorFile>;
  
  /**
   * Deletes a file, its tensors and its cache entry. Needs write.
   */
  DeleteFile: grpc.handleUnaryCall<_ipfrs_v1_DeleteFileRequest__Output, _ipfrs_v1_DeleteFileResponse>;
  
  /**
   * One file by CID; NOT_FOUND when the store has none.
   */
  GetFile: grpc.handleUnaryCall<_ipfrs_v1_GetFileRequest__Output, _ipfrs_v1_TensorFile>;
  
  /**
   * One tensor by file CID and name; NOT_FOUND when absent.
   */
  GetTensor: grpc.handleUnaryCall<_ipfrs_v1_GetTensorRequest__Output, _ipfrs_v1_Tensor>;
  
  /**
   * The files of the store, in the order they were added.
   */
  ListFiles: grpc.handleUnaryCall<_ipfrs_v1_ListFilesRequest__Output, _ipfrs_v1_ListFilesResponse>;
  
  /**
   * Tensors of every file (or of one), ordered by name, then by file CID.
   */
  ListTensors: grpc.handleUnaryCall<_ipfrs_v1_ListTensorsRequest__Output, _ipfrs_v1_ListTensorsResponse>;
  
  /**
   * Bytes [start, end) of a file, in chunks.
   */
  ReadRange: grpc.handleServerStreamingCall<_ipfrs_v1_ReadRangeRequest__Output, _ipfrs_v1_ReadRangeResponse>;
  
  /**
   * A tensor or a numpy basic-indexing slice of it: a SliceHeader, then the bytes in chunks.
   */
  ReadSlice: grpc.handleServerStreamingCall<_ipfrs_v1_ReadSliceRequest__Output, _ipfrs_v1_ReadSliceResponse>;
  
}

export interface TensorServiceDefinition extends grpc.ServiceDefinition {
  AddFile: MethodDefinition<_ipfrs_v1_AddFileRequest, _ipfrs_v1_TensorFile, _ipfrs_v1_AddFileRequest__Output, _ipfrs_v1_TensorFile__Output>
  DeleteFile: MethodDefinition<_ipfrs_v1_DeleteFileRequest, _ipfrs_v1_DeleteFileResponse, _ipfrs_v1_DeleteFileRequest__Output, _ipfrs_v1_DeleteFileResponse__Output>
  GetFile: MethodDefinition<_ipfrs_v1_GetFileRequest, _ipfrs_v1_TensorFile, _ipfrs_v1_GetFileRequest__Output, _ipfrs_v1_TensorFile__Output>
  GetTensor: MethodDefinition<_ipfrs_v1_GetTensorRequest, _ipfrs_v1_Tensor, _ipfrs_v1_GetTensorRequest__Output, _ipfrs_v1_Tensor__Output>
  ListFiles: MethodDefinition<_ipfrs_v1_ListFilesRequest, _ipfrs_v1_ListFilesResponse, _ipfrs_v1_ListFilesRequest__Output, _ipfrs_v1_ListFilesResponse__Output>
  ListTensors: MethodDefinition<_ipfrs_v1_ListTensorsRequest, _ipfrs_v1_ListTensorsResponse, _ipfrs_v1_ListTensorsRequest__Output, _ipfrs_v1_ListTensorsResponse__Output>
  ReadRange: MethodDefinition<_ipfrs_v1_ReadRangeRequest, _ipfrs_v1_ReadRangeResponse, _ipfrs_v1_ReadRangeRequest__Output, _ipfrs_v1_ReadRangeResponse__Output>
  ReadSlice: MethodDefinition<_ipfrs_v1_ReadSliceRequest, _ipfrs_v1_ReadSliceResponse, _ipfrs_v1_ReadSliceRequest__Output, _ipfrs_v1_ReadSliceResponse__Output>
}
