// Original file: schema/ipfrs/v1/tensor_service.proto

import type { FileFormat as _ipfrs_v1_FileFormat, FileFormat__Output as _ipfrs_v1_FileFormat__Output } from '../../ipfrs/v1/FileFormat.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * The first message of AddFile.
 */
export interface AddFileMetadata {
  /**
   * Names the tensor of a .npy or raw file; informational for safetensors.
   */
  'name'?: (string);
  /**
   * FILE_FORMAT_UNSPECIFIED: detect safetensors or .npy from the bytes; RAW needs dtype (and shape).
   */
  'format'?: (_ipfrs_v1_FileFormat);
  /**
   * For raw bytes, e.g. "F32".
   */
  'dtype'?: (string);
  /**
   * For raw bytes; empty with a dtype: a scalar.
   */
  'shape'?: (number | string | Long)[];
}

/**
 * The first message of AddFile.
 */
export interface AddFileMetadata__Output {
  /**
   * Names the tensor of a .npy or raw file; informational for safetensors.
   */
  'name': (string);
  /**
   * FILE_FORMAT_UNSPECIFIED: detect safetensors or .npy from the bytes; RAW needs dtype (and shape).
   */
  'format': (_ipfrs_v1_FileFormat__Output);
  /**
   * For raw bytes, e.g. "F32".
   */
  'dtype': (string);
  /**
   * For raw bytes; empty with a dtype: a scalar.
   */
  'shape': (number)[];
}
