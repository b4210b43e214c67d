// The server's link-signing keys, re-read when the file changes (checked at most once a second), so a key rotated
// with secrets.rotateKeyRing signs new links at once while links signed with the older keys keep working.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { keyRingFromJSON, type KeyRing } from '../http/sign.ts';
import { KEYS_FILE, loadOrCreateKeyRing } from '../store/secrets.ts';
import type { Logger } from '../telemetry/logger.ts';

export const RING_RECHECK_MS = 1000;

/** The key ring of the store at `root` (made at first start), as of the last check. `now`: ms (tests step it). */
export function keyRingSource(root: string, logger: Logger, now: () => number = Date.now): () => KeyRing {
  const path = join(root, KEYS_FILE);
  const { ring: stored, created } = loadOrCreateKeyRing(root);
  if (created) logger.info('generated a link-signing key', { file: `${root}/${KEYS_FILE}` });
  let ring = keyRingFromJSON(stored);
  let mtime = mtimeOf(path);
  let checkedAt = now();
  return () => {
    const at = now();
    if (at - checkedAt < RING_RECHECK_MS) return ring;
    checkedAt = at;
    const current = mtimeOf(path);
    if (current !== mtime) {
      try {
        ring = keyRingFromJSON(loadOrCreateKeyRing(root).ring);
        mtime = current;
        logger.info('signing keys reloaded', { current: ring.current, keys: ring.keys.size });
      } catch (error) {
        logger.error('signing keys file is unreadable: keeping the keys loaded before', { error: (error as Error).message });
      }
    }
    return ring;
  };
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
