// `npm test` after uvu: the Python client's pytest suite (python/tests), with Debian's python3 (python3-pytest,
// python3-numpy; CI has no PyPI), twice: against `ipfrs serve`, then `ipfrs serve --workers 2` (conftest.py reads
// IPFRS_TEST_SERVE_ARGS). Prints pytest's own output, then one line, both runs summed, that .ci/run adds to uvu's counts:
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

/** One pytest run of python/tests against a server started with `serveArgs`; its counts from the JUnit report. */
function runSuite(serveArgs: string): { passed: number; failed: number; skipped: number; why?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ipfrs-pytest-'));
  const report = join(dir, 'junit.xml');
  const run = spawnSync(py!, ['-m', 'pytest', 'python/tests', '-q', '-p', 'no:cacheprovider', `--junitxml=${report}`, ...process.argv.slice(2)], {
    cwd: REPO,
    stdio: 'inherit',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', IPFRS_TEST_SERVE_ARGS: serveArgs },
  });
  let xml = '';
  try {
    xml = readFileSync(report, 'utf8');
  } catch {
    // no report: pytest did not get as far as running tests
  }
  rmSync(dir, { recursive: true, force: true });
  // Exit 5: nothing collected (a moved folder, a bad -k): a lost suite, not a pass.
  if (run.status === 5) return { passed: 0, failed: 1, skipped: 0, why: 'pytest collected no tests' };
  const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
  const count = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
  const [tests, failures, errors, skipped] = [count('tests'), count('failures'), count('errors'), count('skipped')];
  if (!suite) return { passed: 0, failed: 1, skipped: 0, why: `pytest exited ${run.status ?? run.signal} without a report` };
  const failed = failures + errors;
  // A non-zero exit with no failed test (an internal error, a crash at teardown) still fails the run.
  return { passed: tests - failed - skipped, failed: failed || (run.status === 0 ? 0 : 1), skipped, ...(run.status !== 0 && !failed ? { why: `pytest exited ${run.status ?? run.signal}` } : {}) };
}

// The suite is the client's contract with GraphQL and the download route: it runs against one server, then against
// a server of two workers (issue 20: "run the download and GraphQL contract suites both ways").
const runs = ['', '--workers 2'].map((serveArgs) => {
  if (serveArgs) process.stdout.write(`\npytest: again, against ipfrs serve ${serveArgs}\n`);
  const result = runSuite(serveArgs);
  return { ...result, why: result.why && `${serveArgs || 'one process'}: ${result.why}` };
});
const sum = (key: 'passed' | 'failed' | 'skipped') => runs.reduce((n, r) => n + r[key], 0);
finish(sum('passed'), sum('failed'), sum('skipped'), runs.map((r) => r.why).filter(Boolean).join('; ') || undefined);
