// A 2-D slice as a heatmap: one cell per element on a canvas, coloured by viridis between the slice's min and max,
// with a legend and a readout of the element under the pointer. Large slices are averaged into at most MAX_CELLS
// per side so the canvas stays small.
import { MISSING_RGB, VIRIDIS, cssColor, scaleIndex, valueRange, type Range } from './colormap.ts';
import { h, sizeCanvas } from './dom.ts';
import { formatValue } from './format.ts';

const MAX_CELLS = 1024;
const MAX_HEIGHT = 440;
const MIN_SIDE = 96;

export interface Grid {
  rows: number;
  cols: number;
  /** rows * cols values, C order; null where every averaged value was missing. */
  values: Array<number | null>;
}

/** Averages a rows x cols grid down to at most `max` cells per side (identity when it already fits). Pure. */
export function downsample(values: ReadonlyArray<number | null>, rows: number, cols: number, max = MAX_CELLS): Grid {
  if (rows <= max && cols <= max) return { rows, cols, values: values as Array<number | null> };
  const outRows = Math.min(rows, max);
  const outCols = Math.min(cols, max);
  const sums = new Float64Array(outRows * outCols);
  const counts = new Uint32Array(outRows * outCols);
  for (let r = 0; r < rows; r++) {
    const base = Math.floor((r * outRows) / rows) * outCols;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      if (v === null || v === undefined) continue;
      const cell = base + Math.floor((c * outCols) / cols);
      sums[cell] += v;
      counts[cell]++;
    }
  }
  const out = new Array<number | null>(outRows * outCols);
  for (let i = 0; i < out.length; i++) out[i] = counts[i] ? sums[i]! / counts[i]! : null;
  return { rows: outRows, cols: outCols, values: out };
}

/** Canvas size in CSS pixels: as wide as allowed, cells about square, neither side under MIN_SIDE. Pure. */
export function displaySize(rows: number, cols: number, maxWidth: number): { width: number; height: number } {
  let width = maxWidth;
  let height = (width * rows) / cols;
  if (height > MAX_HEIGHT) {
    height = MAX_HEIGHT;
    width = (height * cols) / rows;
  }
  return { width: Math.round(Math.max(Math.min(MIN_SIDE * 2, maxWidth), width)), height: Math.round(Math.max(MIN_SIDE, height)) };
}

export type ScaleMode = 'minmax' | 'robust';
/** The colour scale chosen last: it stays as the person edits the spec. */
let scaleMode: ScaleMode = 'minmax';

/** The 1st and 99th percentiles: a few extreme values then do not flatten everything else into one colour. Pure. */
export function robustRange(values: ReadonlyArray<number | null>, low = 0.01, high = 0.99): Range {
  const sorted = Float64Array.from(values.filter((v): v is number => v !== null)).sort();
  const missing = values.length - sorted.length;
  if (sorted.length === 0) return { min: Infinity, max: -Infinity, missing };
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  return { min: at(low), max: at(high), missing };
}

export function renderHeatmap(values: ReadonlyArray<number | null>, rows: number, cols: number, integral: boolean, maxWidth: number): HTMLElement {
  const grid = downsample(values, rows, cols);
  const source = document.createElement('canvas');
  source.width = grid.cols;
  source.height = grid.rows;
  const { width, height } = displaySize(rows, cols, maxWidth);
  const canvas = h('canvas', { class: 'heatmap', 'data-testid': 'heatmap', role: 'img', 'aria-label': `heatmap of ${rows} by ${cols} values` });
  const context = sizeCanvas(canvas, width, height);
  const legendHost = h('div', { class: 'legend-host' });

  const paint = () => {
    const range = scaleMode === 'robust' ? robustRange(values) : valueRange(values);
    const pixels = new ImageData(grid.cols, grid.rows);
    for (let i = 0; i < grid.values.length; i++) {
      const v = grid.values[i];
      const [r, g, b] = v === null || v === undefined ? MISSING_RGB : lut(scaleIndex(v, range));
      pixels.data[4 * i] = r;
      pixels.data[4 * i + 1] = g;
      pixels.data[4 * i + 2] = b;
      pixels.data[4 * i + 3] = 255;
    }
    source.getContext('2d')!.putImageData(pixels, 0, 0);
    context.imageSmoothingEnabled = false;
    context.drawImage(source, 0, 0, width, height);
    legendHost.replaceChildren(legend(range, integral, scaleMode === 'robust'));
  };

  const select = h(
    'select',
    { class: 'scale-select', 'aria-label': 'Colour scale' },
    h('option', { value: 'minmax' }, 'min to max'),
    h('option', { value: 'robust' }, '1st to 99th percentile'),
  );
  select.value = scaleMode;
  select.addEventListener('change', () => {
    scaleMode = select.value as ScaleMode;
    paint();
  });
  paint();

  const readout = h('div', { class: 'readout' }, `${rows} × ${cols}${grid.rows !== rows || grid.cols !== cols ? ` (drawn averaged to ${grid.rows} × ${grid.cols})` : ''}. Point at a cell to read it.`);
  canvas.addEventListener('mousemove', (event) => {
    const box = canvas.getBoundingClientRect();
    const c = Math.min(cols - 1, Math.max(0, Math.floor(((event.clientX - box.left) / box.width) * cols)));
    const r = Math.min(rows - 1, Math.max(0, Math.floor(((event.clientY - box.top) / box.height) * rows)));
    readout.textContent = `[${r}, ${c}] = ${formatValue(values[r * cols + c], integral)}`;
  });

  return h(
    'figure',
    { class: 'plot' },
    h('div', { class: 'heatmap-frame' }, h('span', { class: 'axis-label axis-y' }, `axis 0 · ${rows} rows`), canvas),
    h('div', { class: 'axis-label axis-x' }, `axis 1 · ${cols} columns`),
    h('div', { class: 'legend-row' }, legendHost, h('label', { class: 'scale-label' }, 'Colours ', select)),
    readout,
  );
}

function lut(index: number): [number, number, number] {
  return [VIRIDIS[3 * index]!, VIRIDIS[3 * index + 1]!, VIRIDIS[3 * index + 2]!];
}

/** The colour bar with the min and max it spans, and a swatch for missing values when there are any. */
function legend(range: Range, integral: boolean, clipped: boolean): HTMLElement {
  const bar = h('canvas', { class: 'legend-bar', 'aria-hidden': 'true' });
  const context = sizeCanvas(bar, 240, 12);
  for (let x = 0; x < 240; x++) {
    context.fillStyle = cssColor(Math.round((x / 239) * 255));
    context.fillRect(x, 0, 1.5, 12);
  }
  const empty = range.min > range.max;
  // Clipped scales say so: values beyond the ends take the end colours.
  const min = empty ? '—' : `${clipped ? '≤ ' : ''}${formatValue(range.min, integral)}`;
  const max = empty ? '—' : `${clipped ? '≥ ' : ''}${formatValue(range.max, integral)}`;
  return h(
    'div',
    { class: 'legend', 'data-testid': 'legend' },
    h('span', { class: 'legend-value', 'data-testid': 'legend-min', title: 'minimum' }, min),
    bar,
    h('span', { class: 'legend-value', 'data-testid': 'legend-max', title: 'maximum' }, max),
    range.missing > 0 && h('span', { class: 'legend-missing' }, h('span', { class: 'swatch swatch-missing' }), `NaN/±∞ (${range.missing})`),
  );
}
