// How a file is mapped and advised: MmapConfig and its presets. Pure (no addon), so types and presets can be used
// where the native addon must not load (schema printing, codegen).

/** Advice for the kernel. Accepted wherever a config is, as is an MmapConfig. */
export interface MmapConfigInit {
  /** MADV_SEQUENTIAL: aggressive read-ahead. Excludes `random`. */
  sequential?: boolean;
  /** MADV_RANDOM: no read-ahead. Excludes `sequential`. */
  random?: boolean;
  /** MADV_HUGEPAGE: back with transparent huge pages where the kernel can (ignored where it has none). */
  hugepages?: boolean;
  /** Fault every page in: MAP_POPULATE when mapping, MADV_POPULATE_READ when advising later. Blocks: prefer async. */
  populate?: boolean;
  /** MADV_WILLNEED: start reading the file into the page cache. */
  willNeed?: boolean;
}

export type MmapConfigLike = MmapConfig | MmapConfigInit;

/** The advice bits the addon takes (native/src/mapping.h; binding.ts checks they agree). */
export const ADVICE_FLAGS = { sequential: 1, random: 2, hugepages: 4, populate: 8, willNeed: 16 } as const;

const KEYS = Object.keys(ADVICE_FLAGS) as Array<keyof MmapConfigInit>;

export class MmapConfig implements Required<MmapConfigInit> {
  readonly sequential: boolean;
  readonly random: boolean;
  readonly hugepages: boolean;
  readonly populate: boolean;
  readonly willNeed: boolean;
  readonly #flags: number;

  /** TypeError for unknown keys (a typo must not pass silently), non-booleans, or sequential with random. */
  constructor(init: MmapConfigInit = {}) {
    if (typeof init !== 'object' || init === null) throw new TypeError('an mmap config must be an object');
    for (const key of Object.keys(init)) {
      if (!(key in ADVICE_FLAGS)) throw new TypeError(`unknown mmap config key ${JSON.stringify(key)}: expected ${KEYS.join(', ')}`);
      const value = (init as Record<string, unknown>)[key];
      if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`mmap config ${key} must be a boolean`);
    }
    this.sequential = init.sequential === true;
    this.random = init.random === true;
    this.hugepages = init.hugepages === true;
    this.populate = init.populate === true;
    this.willNeed = init.willNeed === true;
    if (this.sequential && this.random) throw new TypeError('mmap config: sequential and random advice exclude each other');
    let flags = 0;
    for (const key of KEYS) if (this[key]) flags |= ADVICE_FLAGS[key];
    this.#flags = flags;
    Object.freeze(this);
  }

  /** The addon's bit set. */
  get flags(): number {
    return this.#flags;
  }

  /** MADV_SEQUENTIAL (plus anything in `extra`, e.g. `{ populate: true }`). */
  static sequential(extra: MmapConfigInit = {}): MmapConfig {
    return new MmapConfig({ ...extra, sequential: true });
  }

  /** MADV_RANDOM (plus anything in `extra`). */
  static random(extra: MmapConfigInit = {}): MmapConfig {
    return new MmapConfig({ ...extra, random: true });
  }

  /** MADV_HUGEPAGE (plus anything in `extra`). */
  static hugepages(extra: MmapConfigInit = {}): MmapConfig {
    return new MmapConfig({ ...extra, hugepages: true });
  }

  static from(config: MmapConfigLike | undefined): MmapConfig {
    return config instanceof MmapConfig ? config : new MmapConfig(config);
  }
}

/** The addon's bit set for a config; none means no advice (MADV_NORMAL). */
export function adviceFlags(config: MmapConfigLike | undefined): number {
  if (config === undefined) return 0;
  return MmapConfig.from(config).flags;
}
