// How the schema's custom scalars look on the wire, as TypeScript types: the map codegen.ts gives the client preset,
// and the one a frontend's own codegen should use (README, "Frontend clients").
export const scalars = {
  /** A CIDv1 string (raw codec, sha2-256, base32: `bafkrei...`). */
  CID: 'string',
  /** An integer up to 2^53 - 1 (byte counts and offsets; GraphQL's Int stops at 2^31). */
  SafeInt: 'number',
  /** An ISO 8601 date-time string. */
  DateTime: 'string',
  /** Any JSON value (safetensors `__metadata__`). */
  JSON: 'unknown',
  /** An upload (multipart request): a Blob in, never sent out. */
  File: { input: 'Blob', output: 'never' },
} as const;
