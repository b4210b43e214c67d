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
