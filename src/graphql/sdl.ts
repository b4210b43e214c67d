// The schema as SDL, types and fields in lexicographic order so that diffs of schema/schema.graphql stay small.
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './schema/index.ts';

export function schemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
