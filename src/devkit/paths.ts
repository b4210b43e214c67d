// Where tests find the repository, the fixtures and scratch space.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** tests/fixtures: real files by other tools, kept in the repository (see its README.md); IPFRS_FIXTURES overrides. */
export const FIXTURES = process.env.IPFRS_FIXTURES ?? resolve(REPO, 'tests', 'fixtures');
export const ABUSE_FIXTURE = join(FIXTURES, 'syoyo-safetensors-cpp', 'safetensors_abuse_attempt_1.safetensors');

/** Every real tensor file in the fixtures (the abuse file excluded), as absolute paths. */
export function fixtureFiles(extensions = ['.safetensors', '.npy']): string[] {
  const out: string[] = [];
  for (const folder of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!folder.isDirectory()) continue;
    for (const name of readdirSync(join(FIXTURES, folder.name))) {
      const path = join(FIXTURES, folder.name, name);
      if (extensions.some((e) => name.endsWith(e)) && path !== ABUSE_FIXTURE) out.push(path);
    }
  }
  return out.sort();
}

export function tempDir(prefix = 'ipfrs-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
