// Numbers, sizes, shapes and times as people read them. Pure.

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

/** 1234567 -> "1,234,567" (the exact count, grouped). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "1 hit", "2 hits", "1,024 entries". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * About `count` round tick values (1, 2 or 5 times a power of ten apart) within [lo, hi], and the decimals that
 * print them exactly. Pure.
 */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; decimals: number } {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { ticks: [lo], decimals: 0 };
  const rough = (hi - lo) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(rough));
  // The candidate nearest to the rough step on a log scale, so the count lands near `count` either way.
  const step = [1, 2, 5, 10].map((m) => m * power).reduce((best, s) => (Math.abs(Math.log(s / rough)) < Math.abs(Math.log(best / rough)) ? s : best));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push(Number((k * step).toFixed(decimals)) || 0);
  return { ticks, decimals };
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** A tensor value: integers exactly, floats to 6 significant digits, null (NaN or an infinity in JSON) as such. */
export function formatValue(value: number | null | undefined, integral: boolean): string {
  if (value === null || value === undefined) return 'NaN/±∞';
  if (integral || Number.isInteger(value)) return Number.isInteger(value) ? String(value) : value.toPrecision(6);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}

export function isIntegralDtype(dtype: string): boolean {
  return /^(U|I)\d+$|^BOOL$/.test(dtype);
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(ratio === 0 || ratio === 1 ? 0 : 1)}%`;
}

/** "in 15 min", "in 2 h 5 min", "expired": how long a signed link stays valid, from now. */
export function formatExpiry(expiresAt: string, now: number = Date.now()): string {
  const ms = Date.parse(expiresAt) - now;
  if (!Number.isFinite(ms)) return 'unknown expiry';
  if (ms <= 0) return 'expired';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `in ${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `in ${Math.round(hours / 24)} days`;
}

/** Local wall-clock time of an ISO date, e.g. "14:32:05" (with the date when it is not today). */
export function formatClock(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const time = date.toLocaleTimeString('en-GB', { hour12: false });
  return date.toDateString() === now.toDateString() ? time : `${date.toLocaleDateString('en-CA')} ${time}`;
}

/** bafkreiabc...xyz: enough of a CID to tell files apart, the whole of it on hover. */
export function shortCid(cid: string): string {
  return cid.length > 20 ? `${cid.slice(0, 12)}…${cid.slice(-6)}` : cid;
}
