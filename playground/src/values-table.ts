// The inline values as a table, capped so a big slice does not build a huge DOM: a 2-D result as a grid with
// index headers, a 1-D result as rows of ten (row label = first index, like numpy's print), anything else as
// (multi-index, value) rows in C order.
import { h } from './dom.ts';
import { formatCount, formatValue } from './format.ts';

export const MAX_ROWS = 100;
export const MAX_COLS = 16;
const ROW_1D = 10;

/** The C-order multi-index of flat position `flat` in `shape`. Pure. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const size = shape[axis]!;
    index[axis] = size ? flat % size : 0;
    flat = size ? Math.floor(flat / size) : 0;
  }
  return index;
}

const allValues = (n: number) => (n === 1 ? 'The only value.' : `All ${formatCount(n)} values.`);

export function renderValuesTable(values: ReadonlyArray<number | null>, shape: readonly number[], integral: boolean): HTMLElement {
  const cell = (v: number | null | undefined) => h('td', { class: v === null ? 'missing' : '' }, v === undefined ? '' : formatValue(v, integral));
  let table: HTMLTableElement;
  let note: string;
  if (shape.length === 1 || shape.length === 2) {
    // A vector is laid out as a grid of ROW_1D columns; a matrix as itself.
    const flat = shape.length === 1;
    const cols = flat ? Math.min(ROW_1D, values.length) : shape[1]!;
    const rows = flat ? Math.ceil(values.length / ROW_1D) : shape[0]!;
    const shownRows = Math.min(rows, MAX_ROWS);
    const shownCols = Math.min(cols, MAX_COLS);
    const head = h('tr', {}, h('th', { class: 'corner' }, ''));
    for (let c = 0; c < shownCols; c++) head.append(h('th', { scope: 'col' }, flat ? `+${c}` : String(c)));
    const body = h('tbody');
    for (let r = 0; r < shownRows; r++) {
      const row = h('tr', {}, h('th', { scope: 'row' }, String(flat ? r * ROW_1D : r)));
      for (let c = 0; c < shownCols; c++) row.append(cell(values[r * cols + c]));
      body.append(row);
    }
    table = h('table', { class: 'values', 'data-testid': 'values-table' }, h('thead', {}, head), body);
    if (flat) note = rows > shownRows ? `Showing ${formatCount(shownRows * ROW_1D)} of ${formatCount(values.length)} values.` : allValues(values.length);
    else note = rows > shownRows || cols > shownCols ? `Showing ${shownRows} of ${formatCount(rows)} rows and ${shownCols} of ${formatCount(cols)} columns.` : allValues(values.length);
  } else {
    const shown = Math.min(values.length, MAX_ROWS);
    const body = h('tbody');
    for (let i = 0; i < shown; i++) body.append(h('tr', {}, h('th', { scope: 'row' }, `[${unravel(i, shape).join(', ')}]`), cell(values[i])));
    table = h('table', { class: 'values values-list', 'data-testid': 'values-table' }, h('thead', {}, h('tr', {}, h('th', {}, 'index'), h('th', {}, 'value'))), body);
    note = values.length > shown ? `Showing ${shown} of ${formatCount(values.length)} values (C order).` : allValues(values.length);
  }
  return h('div', { class: 'table-block' }, h('div', { class: 'table-scroll' }, table), h('p', { class: 'hint' }, note));
}
