// MmapConfig: presets, the advice bits they give the addon, and the validation of config objects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ADVICE_FLAGS, MmapConfig, adviceFlags } from '../../src/mmap/config.ts';

const plain = (config: MmapConfig) => ({ ...config });

test('presets set one advice each, plus any extra options, and give the matching bits', () => {
  const none = { sequential: false, random: false, hugepages: false, populate: false, willNeed: false };
  const cases: Array<[string, MmapConfig, object, number]> = [
    ['default', new MmapConfig(), none, 0],
    ['sequential', MmapConfig.sequential(), { ...none, sequential: true }, ADVICE_FLAGS.sequential],
    ['random', MmapConfig.random(), { ...none, random: true }, ADVICE_FLAGS.random],
    ['hugepages', MmapConfig.hugepages(), { ...none, hugepages: true }, ADVICE_FLAGS.hugepages],
    ['sequential + populate', MmapConfig.sequential({ populate: true }), { ...none, sequential: true, populate: true }, 1 | 8],
    ['random + willNeed', MmapConfig.random({ willNeed: true }), { ...none, random: true, willNeed: true }, 2 | 16],
    ['everything compatible', new MmapConfig({ sequential: true, hugepages: true, populate: true, willNeed: true }), { ...none, sequential: true, hugepages: true, populate: true, willNeed: true }, 1 | 4 | 8 | 16],
  ];
  for (const [label, config, fields, flags] of cases) {
    assert.equal(plain(config), fields, label);
    assert.is(config.flags, flags, label);
    assert.is(adviceFlags(config), flags, label);
    assert.is(adviceFlags({ ...fields }), flags, `${label} as a plain object`);
    assert.ok(Object.isFrozen(config), label);
  }
  assert.is(adviceFlags(undefined), 0);
  assert.is(adviceFlags({ populate: false, willNeed: undefined }), 0);
});

test('from() passes an MmapConfig through and builds one from a plain object', () => {
  const config = MmapConfig.random();
  assert.ok(MmapConfig.from(config) === config);
  assert.is(MmapConfig.from({ hugepages: true }).flags, ADVICE_FLAGS.hugepages);
  assert.is(MmapConfig.from(undefined).flags, 0);
});

test('bad configs are TypeErrors: unknown keys, non-booleans, non-objects, sequential with random', () => {
  const bad: unknown[] = [
    { willneed: true },
    { populate: 1 },
    { sequential: 'yes' },
    { sequential: true, random: true },
    null,
    'sequential',
    42,
  ];
  for (const config of bad) {
    assert.throws(() => new MmapConfig(config as never), (e: unknown) => e instanceof TypeError, JSON.stringify(config));
    assert.throws(() => adviceFlags(config as never), (e: unknown) => e instanceof TypeError, JSON.stringify(config));
  }
  assert.throws(() => MmapConfig.sequential({ random: true }), (e: unknown) => e instanceof TypeError);
});

test.run();
