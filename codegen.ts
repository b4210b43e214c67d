// `npm run codegen`: typed documents for clients (src/client), from the schema as the code builds it (no server,
// no printed file in between) and the operations in schema/operations.
import type { CodegenConfig } from '@graphql-codegen/cli';
import { scalars } from './src/client-api/scalars.ts';
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
        scalars,
      },
    },
    // Apollo's InMemoryCache needs the union and interface members to match `... on Error` fragments: without
    // them it drops the code and message of every error member (see README, "Frontend clients").
    'src/client/possible-types.ts': {
      plugins: ['fragment-matcher'],
      config: { apolloClientVersion: 3, useExplicitTyping: true },
    },
  },
};

export default config;
