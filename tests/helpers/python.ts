// Runs the python3 + numpy reference helpers in tests/helpers.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../../src/devkit/paths.ts';

const HELPERS = join(REPO, 'tests', 'helpers');

/** The first python3 that has numpy: PATH's, else Debian's (which .ci/run installs python3-numpy into). */
export const PYTHON = (() => {
  for (const candidate of [process.env.IPFRS_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['-c', 'import numpy'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('numpy is not installed (no python3 with numpy found, IPFRS_PYTHON unset): apt-get install python3-numpy');
})();

export interface DescribedTensor {
  name?: string;
  dtype: string;
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

export function describeWithPython(paths: string[]): Record<string, DescribedTensor[]> {
  return JSON.parse(execFileSync(PYTHON, [join(HELPERS, 'describe.py'), ...paths], { encoding: 'utf8' }));
}

export interface NumpyCase {
  source: { path: string; name?: string };
  spec: string;
  npy?: string | null;
  values?: Array<number | null> | null;
  shape?: number[];
}

/** Checks every case in one python process; returns one verdict per case. */
export function checkWithNumpy(cases: NumpyCase[]): Array<{ ok: boolean; detail: string }> {
  const out = execFileSync(PYTHON, [join(HELPERS, 'numpy_reference.py')], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out);
}

/**
 * Runs tests/helpers/formats_check.py (zarr-python, a numpy safetensors reader) with Debian's python3, where
 * .ci/run installs python3-zarr, without blocking: the server its requests go to may run in this process.
 */
export function checkFormats(job: unknown): Promise<Array<{ ok: boolean; detail: string }>> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [join(HELPERS, 'formats_check.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`formats_check.py exited ${code}: ${err.slice(-2000)}`))));
    child.stdin.end(JSON.stringify(job));
  });
}
