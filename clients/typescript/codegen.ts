// graphql-codegen's client preset: typed documents from the operations in src/, checked against the schema.
// `npm run codegen` writes src/gql/; CODEGEN_OUT writes elsewhere (the tests compare the two).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  // The registry serves this file at GET /graphql/schema.graphql: outside this repository, download it there.
  schema: '../../schema.graphql',
  documents: ['src/**/*.ts', '!src/gql/**'],
  ignoreNoDocuments: false,
  // Imports with their `.js` extension, as Node's ECMAScript modules need them.
  emitLegacyCommonJSImports: false,
  generates: {
    [process.env.CODEGEN_OUT ?? 'src/gql/']: {
      preset: 'client',
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { Date: 'string', DateTime: 'string', JSON: 'unknown' },
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
