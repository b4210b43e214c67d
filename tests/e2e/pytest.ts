// `npm test` after uvu: the Python client's pytest suite (python/tests), with Debian's python3 (python3-pytest,
// python3-numpy; CI has no PyPI). Prints pytest's own output, then one line that .ci/run adds to uvu's counts:
// "pytest: N passed, M failed, K skipped". A suite that cannot run (no pytest, nothing collected) counts as one
// failure, so it can never pass unnoticed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../src/devkit/paths.ts';

function python(): string | null {
  for (const candidate of [process.env.IPFRS_PYTHON, '/usr/bin/python3', 'python3']) {
    if (!candidate) continue;
    const probe = spawnSync(candidate, ['-c', 'import pytest, numpy'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return null;
}

function finish(passed: number, failed: number, skipped: number, why?: string): never {
  process.stdout.write(`pytest: ${passed} passed, ${failed} failed, ${skipped} skipped${why ? ` (${why})` : ''}\n`);
  process.exit(failed ? 1 : 0);
}

const py = python();
if (!py) finish(0, 1, 0, 'no python3 with pytest and numpy: apt-get install python3-pytest python3-numpy');

const dir = mkdtempSync(join(tmpdir(), 'ipfrs-pytest-'));
const report = join(dir, 'junit.xml');
const run = spawnSync(py, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider', `--junitxml=${report}`, ...process.argv.slice(2)], {
  cwd: REPO,
  stdio: 'inherit',
  env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
});
let xml = '';
try {
  xml = readFileSync(report, 'utf8');
} catch {
  // no report: pytest did not get as far as running tests
}
rmSync(dir, { recursive: true, force: true });

// Exit 5: nothing collected (a moved folder, a bad -k): a lost suite, not a pass.
if (run.status === 5) finish(0, 1, 0, 'pytest collected no tests');
const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
const [tests, failures, errors, skipped] = [count('tests'), count('failures'), count('errors'), count('skipped')];
if (!suite) finish(0, 1, 0, `pytest exited ${run.status ?? run.signal} without a report`);
const failed = failures + errors;
// A non-zero exit with no failed test (an internal error, a crash at teardown) still fails the run.
finish(tests - failed - skipped, failed || (run.status === 0 ? 0 : 1), skipped, run.status !== 0 && !failed ? `pytest exited ${run.status ?? run.signal}` : undefined);
