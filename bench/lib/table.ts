// The row every benchmark reports, how its ratio and verdict are derived, and how rows print (terminal, Markdown).
import { median, spread } from './stats.ts';

/** Which way is good for a unit: throughput up, time and memory down. */
export type Better = 'higher' | 'lower';

/** A target of ARCHITECTURE.md section 7: on the ratio to the baseline, or on the value itself. */
export interface Target {
  on: 'ratio' | 'value';
  op: '>=' | '<=' | '<';
  limit: number;
}

export interface Row {
  group: string;
  name: string;
  value: number | null;
  unit: string;
  baseline: string;
  baselineValue: number | null;
  /** How many times better than the baseline: value / baseline when higher is better, baseline / value else. */
  ratio: number | null;
  /** '' when section 7 sets no target for the row (then it is informational). */
  target: string;
  /** null: no target, or the row was skipped. */
  met: boolean | null;
  /** The raw samples (median of these is value / baselineValue), kept in results.json. */
  runs?: { value: number[]; baseline: number[] };
  note?: string;
}

export interface RowSpec {
  group: string;
  name: string;
  unit: string;
  better: Better;
  baseline: string;
  values: readonly number[];
  baselineValues: readonly number[];
  target?: Target;
  note?: string;
  /** Floor applied before dividing (e.g. memory growth within measurement noise); default 0. */
  ratioFloor?: number;
}

export function targetText(target: Target | undefined, unit: string): string {
  if (!target) return '';
  return target.on === 'ratio' ? `${target.op} ${target.limit}x` : `${target.op} ${target.limit} ${unit}`;
}

export function makeRow(spec: RowSpec): Row {
  // A side that did not run (empty samples) gives a row with that side blank, and no ratio or verdict.
  const value = spec.values.length ? median(spec.values) : null;
  const baselineValue = spec.baselineValues.length ? median(spec.baselineValues) : null;
  let ratio: number | null = null;
  if (value !== null && baselineValue !== null) {
    const floor = spec.ratioFloor ?? 0;
    const [a, b] = [Math.max(value, floor), Math.max(baselineValue, floor)];
    const r = spec.better === 'higher' ? a / b : b / a;
    ratio = Number.isFinite(r) ? r : null;
  }
  return {
    group: spec.group,
    name: spec.name,
    value,
    unit: spec.unit,
    baseline: spec.baseline,
    baselineValue,
    ratio,
    target: targetText(spec.target, spec.unit),
    met: spec.target ? verdict(spec.target, spec.target.on === 'ratio' ? ratio : value) : null,
    runs: { value: [...spec.values], baseline: [...spec.baselineValues] },
    ...(spec.note ? { note: spec.note } : {}),
  };
}

/** A row that could not run (a missing tool, a missing module): printed, never silently dropped. */
export function skippedRow(spec: Pick<RowSpec, 'group' | 'name' | 'unit' | 'baseline' | 'target'>, reason: string): Row {
  return {
    group: spec.group,
    name: spec.name,
    value: null,
    unit: spec.unit,
    baseline: spec.baseline,
    baselineValue: null,
    ratio: null,
    target: targetText(spec.target, spec.unit),
    met: null,
    note: `skipped: ${reason}`,
  };
}

function verdict(target: Target, x: number | null): boolean | null {
  if (x === null || !Number.isFinite(x)) return null;
  if (target.op === '>=') return x >= target.limit;
  if (target.op === '<=') return x <= target.limit;
  return x < target.limit;
}

/** Three significant digits, no exponent: 0.0612, 1.23, 45.6, 1234. */
export function formatNumber(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '-';
  const abs = Math.abs(x);
  if (abs >= 100) return Math.round(x).toString();
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  if (abs === 0) return '0';
  return x.toPrecision(3);
}

export function metText(row: Row): string {
  if (row.note?.startsWith('skipped')) return 'skipped';
  // No verdict despite a target: one side did not run (the note says why).
  if (row.met === null) return row.target ? 'skipped' : 'info';
  return row.met ? 'met' : 'NOT MET';
}

/** (max - min) / median of each side's runs, e.g. `12% / 4%`: how much to trust the ratio on a busy machine. */
function spreadText(row: Row): string {
  if (!row.runs || row.runs.value.length < 2) return '-';
  const pct = (v: number[]) => (v.length < 2 ? '-' : `${Math.round(spread(v) * 100)}%`);
  return `${pct(row.runs.value)} / ${pct(row.runs.baseline)}`;
}

function cells(row: Row): string[] {
  return [
    row.name,
    row.value === null ? '-' : `${formatNumber(row.value)} ${row.unit}`,
    row.baselineValue === null ? row.baseline : `${row.baseline}: ${formatNumber(row.baselineValue)} ${row.unit}`,
    row.ratio === null ? '-' : `${formatNumber(row.ratio)}x`,
    row.target || '-',
    metText(row),
    spreadText(row),
  ];
}

const HEADERS = ['benchmark', 'ipfrs', 'baseline (same run)', 'ratio', 'target', 'met', 'spread'];

/** Aligned columns for the terminal; notes follow the table so the columns stay narrow. */
export function formatText(rows: readonly Row[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(HEADERS), widths.map((w) => '-'.repeat(w)).join('  ')];
  let group = '';
  for (const row of rows) {
    if (row.group !== group && group) out.push('');
    group = row.group;
    out.push(line(cells(row)));
  }
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  if (notes.length) out.push('', 'notes:', ...notes);
  return out.join('\n');
}

const escapeCell = (s: string) => s.replace(/\|/g, '\\|');

export function formatMarkdown(rows: readonly Row[]): string {
  const out = [
    `| ${HEADERS.join(' | ')} |`,
    // Names and verdicts left, figures right.
    `|${HEADERS.map((_, i) => (i === 0 || i === 4 || i === 5 ? '---' : '---:')).join('|')}|`,
  ];
  for (const row of rows) {
    const c = cells(row).map(escapeCell);
    c[5] = row.met === false ? '**not met**' : c[5]!;
    out.push(`| ${c.join(' | ')} |`);
  }
  const notes = rows.filter((r) => r.note).map((r) => `- ${escapeCell(r.name)}: ${r.note}`);
  if (notes.length) out.push('', ...notes);
  return out.join('\n');
}
