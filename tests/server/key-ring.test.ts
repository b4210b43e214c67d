// The server's signing keys (src/server/key-ring.ts): made at first start, re-read at most once a second when the
// file changed, the keys loaded before kept when the file turns unreadable. The clock is stepped, never slept on.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyRingSource, RING_RECHECK_MS } from '../../src/server/key-ring.ts';
import { KEYS_FILE, rotateKeyRing } from '../../src/store/secrets.ts';
import type { Logger } from '../../src/telemetry/logger.ts';
import { tempDir } from '../../src/devkit/paths.ts';

function recorder(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (msg: string) => void lines.push(`${level}: ${msg}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** Moves the file's mtime on, as a write in a later clock tick of the file system would. */
function touchLater(path: string, seconds: number): void {
  const when = new Date(Date.now() + seconds * 1000);
  utimesSync(path, when, when);
}

test('made at first start; a rotation is seen at the first call RING_RECHECK_MS after the last check, not before', () => {
  const dir = tempDir('ipfrs-key-ring-');
  try {
    let now = 5_000;
    const logger = recorder();
    const ring = keyRingSource(dir.path, logger, () => now);
    assert.equal(logger.lines, ['info: generated a link-signing key']);
    const first = ring();
    assert.is(ring(), first, 'unchanged file: the same ring');

    rotateKeyRing(dir.path);
    touchLater(join(dir.path, KEYS_FILE), 10);
    now += RING_RECHECK_MS - 1;
    assert.is(ring(), first, 'within the recheck time: not re-read');
    now += 1;
    const second = ring();
    assert.is.not(second.current, first.current, 'the new key signs');
    assert.ok(second.keys.has(first.current), 'the old key still verifies');
    assert.equal(logger.lines.slice(1), ['info: signing keys reloaded']);
    now += 10 * RING_RECHECK_MS;
    assert.is(ring(), second, 'file unchanged since: the same ring');

    // A second source over the same store: no key made this time.
    const again = recorder();
    assert.is(keyRingSource(dir.path, again, () => now)().current, second.current);
    assert.equal(again.lines, []);
  } finally {
    dir.cleanup();
  }
});

test('a file that turns unreadable: the keys loaded before stay, and the error is logged', () => {
  const dir = tempDir('ipfrs-key-ring-');
  try {
    let now = 0;
    const logger = recorder();
    const ring = keyRingSource(dir.path, logger, () => now);
    const first = ring();
    const path = join(dir.path, KEYS_FILE);
    writeFileSync(path, '{ not json', { mode: 0o600 });
    touchLater(path, 10);
    now += RING_RECHECK_MS;
    assert.is(ring(), first);
    assert.is(logger.lines.at(-1), 'error: signing keys file is unreadable: keeping the keys loaded before');
  } finally {
    dir.cleanup();
  }
});

test.run();
