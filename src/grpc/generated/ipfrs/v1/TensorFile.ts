// Original file: schema/ipfrs/v1/tensor_service.proto

import type { FileFormat as _ipfrs_v1_FileFormat, FileFormat__Output as _ipfrs_v1_FileFormat__Output } from '../../ipfrs/v1/FileFormat.ts';
import type { Long } from '@grpc/proto-loader';

/**
 * A file in the store, addressed by the CID of its bytes.
 */
export interface TensorFile {
  /**
   * CIDv1, raw codec, sha2-256, base32 ("bafkrei...").
   */
  'cid'?: (string);
  /**
   * Bytes of the whole file.
   */
  'size'?: (number | string | Long);
  'format'?: (_ipfrs_v1_FileFormat);
  /**
   * The safetensors `__metadata__` (empty for other formats).
   */
  'metadata'?: ({[key: string]: string});
  'tensor_count'?: (number);
  /**
   * When first added, Unix milliseconds.
   */
  'added_at_ms'?: (number | string | Long);
  /**
   * The file name given when it was added ("" when none).
   */
  'source_name'?: (string);
  /**
   * The root of the file's UnixFS DAG (CIDv1, dag-pb, balanced, 1 MiB raw leaves: what `ipfs add --cid-version=1
   * --raw-leaves --chunker=size-1048576` prints), served by the /ipfs/<cid> gateway; equal to `cid` for a file of
   * at most 1 MiB. "" only while the server computes the roots of a store made before them (GraphQL: null).
   */
  'ipfs_cid'?: (string);
}

/**
 * A file in the store, addressed by the CID of its bytes.
 */
export interface TensorFile__Output {
  /**
   * CIDv1, raw codec, sha2-256, base32 ("bafkrei...").
   */
  'cid': (string);
  /**
   * Bytes of the whole file.
   */
  'size': (number);
  'format': (_ipfrs_v1_FileFormat__Output);
  /**
   * The safetensors `__metadata__` (empty for other formats).
   */
  'metadata': ({[key: string]: string});
  'tensor_count': (number);
  /**
   * When first added, Unix milliseconds.
   */
  'added_at_ms': (number);
  /**
   * The file name given when it was added ("" when none).
   */
  'source_name': (string);
  /**
   * The root of the file's UnixFS DAG (CIDv1, dag-pb, balanced, 1 MiB raw leaves: what `ipfs add --cid-version=1
   * --raw-leaves --chunker=size-1048576` prints), served by the /ipfs/<cid> gateway; equal to `cid` for a file of
   * at most 1 MiB. "" only while the server computes the roots of a store made before them (GraphQL: null).
   */
  'ipfs_cid': (string);
}
