// Original file: schema/ipfrs/v1/tensor_service.proto

import type { AddFileMetadata as _ipfrs_v1_AddFileMetadata, AddFileMetadata__Output as _ipfrs_v1_AddFileMetadata__Output } from '../../ipfrs/v1/AddFileMetadata.ts';

export interface AddFileRequest {
  /**
   * The first message, and only the first.
   */
  'metadata'?: (_ipfrs_v1_AddFileMetadata | null);
  /**
   * The file's bytes, in order, in as many messages as the client likes.
   */
  'data'?: (Buffer | Uint8Array | string);
  'part'?: "metadata"|"data";
}

export interface AddFileRequest__Output {
  /**
   * The first message, and only the first.
   */
  'metadata'?: (_ipfrs_v1_AddFileMetadata__Output | null);
  /**
   * The file's bytes, in order, in as many messages as the client likes.
   */
  'data'?: (Buffer);
  'part'?: "metadata"|"data";
}
