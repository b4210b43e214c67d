// The outside tools some tests need (nginx, Chromium, python3 with numpy): a missing one fails the test with a
// message naming the tool and how to install it, unless the run was told to skip end-to-end tests
// (IPFRS_SKIP_E2E=1, as `npm run test:unit` does), in which case the caller skips and says so.

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
