// uvu runs `test.before` outside its per-test try, and a throw there is lost: the file's tests count as not
// passed, but no message is printed and the exit code stays 0. So set-up goes through beforeAll: a failure in it
// (a missing tool, a server that did not start) fails every test of the file with its message.
import type { Test } from 'uvu';

export function beforeAll(test: Test, setUp: () => unknown): void {
  let failure: unknown = null;
  test.before(async () => {
    try {
      await setUp();
    } catch (error) {
      failure = error;
    }
  });
  test.before.each(() => {
    if (failure !== null) throw failure;
  });
}
