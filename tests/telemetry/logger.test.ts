// Structured logs (src/telemetry/logger.ts): one JSON object per line, levels below the threshold dropped, errors
// written with their name, message, code and stack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, silentLogger } from '../../src/telemetry/logger.ts';

test('one JSON line per message at or above the level; enabled() says which', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'warn', write: (line) => void lines.push(line) });
  logger.debug('d');
  logger.info('i');
  logger.warn('w', { n: 1 });
  logger.error('e');
  assert.is(lines.length, 2);
  for (const line of lines) assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
  const [warn, error] = lines.map((l) => JSON.parse(l));
  assert.equal({ level: warn.level, msg: warn.msg, n: warn.n }, { level: 'warn', msg: 'w', n: 1 });
  assert.is(error.level, 'error');
  assert.ok(!Number.isNaN(Date.parse(warn.time)));
  assert.equal((['debug', 'info', 'warn', 'error'] as const).map((l) => logger.enabled!(l)), [false, false, true, true]);
});

test('errors are written with name, message, code and stack', () => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => void lines.push(line) });
  logger.error('failed', { error: Object.assign(new Error('disk full'), { code: 'ENOSPC' }) });
  const { error } = JSON.parse(lines[0]!);
  assert.is(error.name, 'Error');
  assert.is(error.message, 'disk full');
  assert.is(error.code, 'ENOSPC');
  assert.match(error.stack, /disk full/);
});

test('silentLogger writes nothing and says so', () => {
  silentLogger.error('x');
  assert.is(silentLogger.enabled!('error'), false);
});

test.run();
