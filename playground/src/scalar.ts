// A 0-d result (every axis indexed by an integer) as one number.
import { h } from './dom.ts';
import { formatValue } from './format.ts';

export function renderScalar(value: number | null | undefined, dtype: string, integral: boolean): HTMLElement {
  const exact = value === null || value === undefined ? 'NaN or ±infinity (JSON cannot carry it; download the raw bytes)' : String(value);
  return h(
    'div',
    { class: 'scalar', 'data-testid': 'scalar' },
    h('span', { class: 'scalar-value', title: exact }, formatValue(value, integral)),
    h('span', { class: 'scalar-dtype' }, dtype),
  );
}
