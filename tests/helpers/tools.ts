// The outside tools some tests need (nginx, Chromium, python3 with numpy): a missing one fails the test with a
// message naming the tool and how to install it, unless the run was told to skip end-to-end tests
// (IPFRS_SKIP_E2E=1, as `npm run test:unit` does), in which case the caller skips and says so.
import { spawnSync } from 'node:child_process';

export const SKIP_E2E = process.env.IPFRS_SKIP_E2E === '1';

/**
 * `found` (the tool's path) when there is one. Otherwise null under IPFRS_SKIP_E2E=1 (the caller skips), else an
 * Error saying which tool is missing and how to get it.
 */
export function requireTool(tool: string, found: string | null | undefined, install: string): string | null {
  if (found) return found;
  if (SKIP_E2E) {
    console.warn(`${tool} is not installed: skipped (IPFRS_SKIP_E2E=1)`);
    return null;
  }
  throw new Error(`${tool} is not installed, and this test needs it: ${install} (or set IPFRS_SKIP_E2E=1 to skip the tests that need outside tools)`);
}

/** Debian's promtool (the prometheus package), or what requireTool makes of its absence. */
export function promtoolPath(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' });
  return requireTool('promtool', found.status === 0 ? found.stdout.trim() : null, 'apt-get install prometheus (Debian ships promtool in it)');
}

/** `promtool check metrics` over a metrics text: its exit code and what it printed (nothing when all is well). */
export function promtoolCheck(promtool: string, text: string): { code: number; output: string } {
  const run = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: run.status ?? -1, output: `${run.stdout}${run.stderr}` };
}
