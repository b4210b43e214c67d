// The gRPC contract as loaded from schema/ipfrs/v1/*.proto: one set of loader options for the server, the
// generated client types (codegen.ts beside this file) and the tests, so all three see the same shapes.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import { protoPath as HEALTH_PROTO } from 'grpc-health-check';

export const SCHEMA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schema');
/** Relative to SCHEMA_DIR, as imports between them are written. */
export const PROTO_FILES = ['ipfrs/v1/tensor_service.proto', 'ipfrs/v1/cache_service.proto'] as const;

/**
 * Field names as written in the .proto (snake_case, as Python and grpcurl see them); 64-bit integers as numbers
 * (byte counts stay below 2^53); enums by name; absent fields as their defaults; oneofs name the field that is set.
 */
export const LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [SCHEMA_DIR],
} satisfies Options;

/** The flags of proto-loader-gen-types that give the types of LOADER_OPTIONS (see codegen.ts). */
export const CODEGEN_FLAGS = ['--keepCase', '--longs=Number', '--enums=String', '--defaults', '--oneofs', '--includeComments', '--grpcLib=@grpc/grpc-js'];

export function loadDefinition(): PackageDefinition {
  return loadSync([...PROTO_FILES], LOADER_OPTIONS);
}

/** The package definition reflection describes: ours and the health service beside it. */
export function loadDefinitionWithHealth(): PackageDefinition {
  return loadSync([...PROTO_FILES, HEALTH_PROTO], LOADER_OPTIONS);
}
