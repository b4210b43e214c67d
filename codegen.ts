// `npm run codegen`: typed documents for clients (src/client), from the schema as the code builds it (no server,
// no printed file in between) and the operations in schema/operations.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { schemaSDL } from './src/graphql/sdl.ts';

const config: CodegenConfig = {
  schema: schemaSDL(),
  documents: ['schema/operations/*.graphql'],
  ignoreNoDocuments: false,
  emitLegacyCommonJSImports: false,
  importExtension: '.ts',
  generates: {
    'src/client/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: {
          CID: 'string',
          DateTime: 'string',
          File: { input: 'Blob', output: 'never' },
          JSON: 'unknown',
          SafeInt: 'number',
        },
      },
    },
  },
};

export default config;
