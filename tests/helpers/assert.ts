// What uvu/assert lacks: an async `throws`.
import * as assert from 'uvu/assert';

export async function rejects(fn: () => Promise<unknown>, expected: RegExp | ((error: unknown) => boolean), message?: string): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    if (expected instanceof RegExp) assert.match(String((error as Error)?.message ?? error), expected, message);
    else assert.ok(expected(error), message ?? `unexpected error: ${String((error as Error)?.stack ?? error)}`);
    return error;
  }
  assert.unreachable(message ?? 'expected a rejection');
}

/** The error `fn` throws, asserted to be a `type`; `fn` returning is a failure too. */
export function thrown<T extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => T, message = `no ${type.name} thrown`): T {
  try {
    fn();
  } catch (error) {
    assert.instance(error, type);
    return error as T;
  }
  assert.unreachable(message);
  throw new Error('unreachable');
}
