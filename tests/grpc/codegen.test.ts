// src/grpc/generated is what `npm run codegen:grpc` makes from the .proto now: regenerating changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GENERATED_DIR, generatedFiles, generateTypes } from '../../src/grpc/codegen.ts';
import { tempDir } from '../../src/devkit/paths.ts';

test('the generated client types are fresh (run npm run codegen:grpc after changing a .proto)', () => {
  const dir = tempDir('ipfrs-grpc-codegen-');
  try {
    const out = join(dir.path, 'generated');
    generateTypes(out);
    const fresh = generatedFiles(out).map((path) => relative(out, path));
    const committed = generatedFiles(GENERATED_DIR).map((path) => relative(GENERATED_DIR, path));
    assert.equal(committed, fresh, 'the same files');
    for (const file of fresh) {
      assert.ok(readFileSync(join(GENERATED_DIR, file), 'utf8') === readFileSync(join(out, file), 'utf8'), `${file} is stale`);
    }
  } finally {
    dir.cleanup();
  }
});

test.run();
