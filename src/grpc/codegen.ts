// `npm run codegen:grpc`: TypeScript types for gRPC clients from schema/ipfrs/v1/*.proto, made by proto-loader's
// own generator into src/grpc/generated (committed; tests/grpc/codegen.test.ts fails when it is stale). Two fixes
// after it: relative imports get their .ts extension (NodeNext resolution), and the "Original file" comments name
// the .proto relative to the repository, so the output does not depend on where the clone is.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODEGEN_FLAGS, PROTO_FILES, SCHEMA_DIR } from './proto.ts';

const REPO = join(SCHEMA_DIR, '..');
export const GENERATED_DIR = join(REPO, 'src', 'grpc', 'generated');
const GENERATOR = join(REPO, 'node_modules', '@grpc', 'proto-loader', 'build', 'bin', 'proto-loader-gen-types.js');

export function generateTypes(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  execFileSync(process.execPath, [GENERATOR, ...CODEGEN_FLAGS, '-I', SCHEMA_DIR, '-O', outDir, ...PROTO_FILES], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (const path of generatedFiles(outDir)) {
    const text = readFileSync(path, 'utf8')
      .replace(/(from '\.{1,2}\/[^']+)';/g, "$1.ts';")
      .replaceAll(`// Original file: ${SCHEMA_DIR}/`, `// Original file: ${relative(REPO, SCHEMA_DIR)}/`);
    writeFileSync(path, text);
  }
}

/** Every file under `dir`, sorted, as absolute paths. */
export function generatedFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) generateTypes(GENERATED_DIR);
