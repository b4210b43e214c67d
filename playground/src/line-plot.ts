// A 1-D slice as a line plot on a canvas: y axis from the data's range, a few index ticks, dots when there are few
// points, a min/max envelope per pixel column when there are more points than pixels, and a readout on hover.
import { valueRange } from './colormap.ts';
import { h, sizeCanvas } from './dom.ts';
import { formatValue, niceTicks } from './format.ts';

const HEIGHT = 260;
const MARGIN = { left: 64, right: 16, top: 12, bottom: 28 };

/** Evenly spaced integer ticks over [0, n - 1], at most `count`. Pure. */
export function indexTicks(n: number, count = 6): number[] {
  if (n <= 1) return [0];
  const step = Math.max(1, Math.ceil((n - 1) / (count - 1)));
  const ticks: number[] = [];
  for (let i = 0; i < n - 1; i += step) ticks.push(i);
  if (ticks[ticks.length - 1] !== n - 1) {
    if (ticks.length > 1 && n - 1 - ticks[ticks.length - 1]! < step / 2) ticks.pop();
    ticks.push(n - 1);
  }
  return ticks;
}

/** A y tick as printed: exact decimals for ordinary magnitudes, exponent form for tiny or huge ones. */
function tickLabel(value: number, decimals: number): string {
  const abs = Math.abs(value);
  if (value !== 0 && (abs >= 1e6 || decimals > 5)) return value.toExponential(1);
  return value.toFixed(decimals);
}

export function renderLinePlot(values: ReadonlyArray<number | null>, integral: boolean, maxWidth: number): HTMLElement {
  const n = values.length;
  const range = valueRange(values);
  let lo = range.min;
  let hi = range.max;
  if (!(hi >= lo)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;

  const yTicks = niceTicks(lo, hi, 5);
  const width = Math.max(280, maxWidth);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (i: number) => MARGIN.left + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => MARGIN.top + (1 - (v - lo) / (hi - lo)) * plotH;

  const canvas = h('canvas', { class: 'line-plot', 'data-testid': 'line-plot', role: 'img', 'aria-label': `line plot of ${n} values` });
  const context = sizeCanvas(canvas, width, HEIGHT);
  const styles = getComputedStyle(document.documentElement);
  const ink = styles.getPropertyValue('--muted').trim() || '#64748b';
  const grid = styles.getPropertyValue('--line').trim() || '#e2e8f0';
  const accent = styles.getPropertyValue('--accent').trim() || '#2563eb';
  const danger = styles.getPropertyValue('--danger').trim() || '#dc2626';

  const drawBase = () => {
    context.clearRect(0, 0, width, HEIGHT);
    context.font = '11px system-ui, sans-serif';
    context.fillStyle = ink;
    context.strokeStyle = grid;
    context.lineWidth = 1;
    context.textAlign = 'right';
    context.textBaseline = 'middle';
    for (const v of yTicks.ticks) {
      const yy = Math.round(y(v)) + 0.5;
      context.beginPath();
      context.moveTo(MARGIN.left, yy);
      context.lineTo(width - MARGIN.right, yy);
      context.stroke();
      context.fillText(tickLabel(v, yTicks.decimals), MARGIN.left - 6, yy);
    }
    context.textAlign = 'center';
    context.textBaseline = 'top';
    for (const i of indexTicks(n)) context.fillText(String(i), x(i), HEIGHT - MARGIN.bottom + 8);

    context.strokeStyle = accent;
    context.fillStyle = accent;
    context.lineWidth = 1.5;
    if (n > plotW * 2) drawEnvelope();
    else drawLine();
    // Missing values (NaN, infinities) as ticks on the x axis, where they are.
    context.fillStyle = danger;
    values.forEach((v, i) => {
      if (v === null) context.fillRect(x(i) - 1, HEIGHT - MARGIN.bottom - 6, 2, 6);
    });
  };

  const drawLine = () => {
    context.beginPath();
    let open = false;
    values.forEach((v, i) => {
      if (v === null) return void (open = false);
      if (open) context.lineTo(x(i), y(v));
      else context.moveTo(x(i), y(v));
      open = true;
    });
    context.stroke();
    if (n <= 64) values.forEach((v, i) => v !== null && (context.beginPath(), context.arc(x(i), y(v), 2.5, 0, 2 * Math.PI), context.fill()));
  };

  const drawEnvelope = () => {
    const columns = Math.floor(plotW);
    for (let px = 0; px < columns; px++) {
      const start = Math.floor((px / columns) * n);
      const end = Math.max(start + 1, Math.floor(((px + 1) / columns) * n));
      let min = Infinity;
      let max = -Infinity;
      for (let i = start; i < end; i++) {
        const v = values[i];
        if (v === null || v === undefined) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (min <= max) context.fillRect(MARGIN.left + px, y(max), 1, Math.max(1, y(min) - y(max)));
    }
  };

  drawBase();
  const readout = h('div', { class: 'readout' }, `${n} values. Point at the plot to read one.`);
  canvas.addEventListener('mousemove', (event) => {
    const box = canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * width;
    const i = Math.min(n - 1, Math.max(0, Math.round(n <= 1 ? 0 : ((px - MARGIN.left) / plotW) * (n - 1))));
    const v = values[i];
    readout.textContent = `[${i}] = ${formatValue(v, integral)}`;
    drawBase();
    context.strokeStyle = ink;
    context.lineWidth = 1;
    context.beginPath();
    context.moveTo(x(i), MARGIN.top);
    context.lineTo(x(i), HEIGHT - MARGIN.bottom);
    context.stroke();
    if (v !== null && v !== undefined) {
      context.fillStyle = accent;
      context.beginPath();
      context.arc(x(i), y(v), 4, 0, 2 * Math.PI);
      context.fill();
    }
  });
  canvas.addEventListener('mouseleave', () => drawBase());
  return h('figure', { class: 'plot' }, canvas, readout);
}
