// A viridis colour scale (perceptually uniform, readable in greyscale and by most colour-blind people): ten stops of
// matplotlib's viridis, interpolated into a 256-entry lookup table. Pure.

const STOPS = ['#440154', '#482878', '#3e4a89', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6dcd59', '#b4de2c', '#fde725'];

/** NaN and infinities (null values) get a colour outside the scale. */
export const MISSING_RGB: readonly [number, number, number] = [214, 39, 40];

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** 256 RGB triples, packed: lut[3 * i + c]. */
export const VIRIDIS: Uint8ClampedArray = (() => {
  const stops = STOPS.map(rgb);
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (stops.length - 1);
    const k = Math.min(Math.floor(t), stops.length - 2);
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[3 * i + c] = Math.round(stops[k]![c]! * (1 - f) + stops[k + 1]![c]! * f);
  }
  return lut;
})();

export interface Range {
  min: number;
  max: number;
  /** Values that are null (NaN or an infinity the server could not put in JSON). */
  missing: number;
}

export function valueRange(values: ReadonlyArray<number | null>): Range {
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return { min, max, missing };
}

/** The LUT index of a value: 0..255; a flat range maps to the middle so one value is not drawn as "lowest". */
export function scaleIndex(value: number, range: Range): number {
  const span = range.max - range.min;
  if (!(span > 0)) return 128;
  return Math.max(0, Math.min(255, Math.round(((value - range.min) / span) * 255)));
}

export function cssColor(index: number): string {
  return `rgb(${VIRIDIS[3 * index]}, ${VIRIDIS[3 * index + 1]}, ${VIRIDIS[3 * index + 2]})`;
}
