// The metadata panel: what a tensor is (dtype, shape, strides, size, layout) and where it lives (file CID,
// format, source name, the safetensors __metadata__).
import type { PlaygroundTensorQuery } from '../../src/client/graphql.ts';
import { copyText, h, replace } from './dom.ts';
import { formatBytes, formatClock, formatCount, formatShape } from './format.ts';
import { notify } from './notices.ts';

export type OpenTensor = NonNullable<PlaygroundTensorQuery['tensor']>;

export function renderMetadata(host: HTMLElement, tensor: OpenTensor): void {
  const { file } = tensor;
  const bytes = (n: number) => h('span', { title: `${formatCount(n)} bytes` }, formatBytes(n));
  const rows: Array<[string, Node | string]> = [
    ['dtype', h('span', { class: `dtype dtype-${tensor.dtype.toLowerCase()}` }, tensor.dtype)],
    ['shape', h('code', { 'data-testid': 'meta-shape' }, formatShape(tensor.shape))],
    ['strides', h('code', { title: 'in elements' }, tensor.strides.length ? `${formatShape(tensor.strides)} elements` : '[] (a scalar)')],
    ['elements', formatCount(tensor.elementCount)],
    ['size', bytes(tensor.byteLength)],
    ['byte offset', h('span', {}, `${formatCount(tensor.byteOffset)} in the file`)],
    ['layout', `${tensor.fortranOrder ? 'column-major (Fortran)' : 'row-major (C)'}, ${tensor.littleEndian ? 'little-endian' : 'big-endian'}`],
  ];
  const fileRows: Array<[string, Node | string]> = [
    ['file CID', cidWithCopy(file.cid)],
    ['source', file.sourceName ?? '—'],
    ['format', file.format.toLowerCase()],
    ['file size', bytes(file.size)],
    ['tensors in file', formatCount(file.tensorCount)],
    ['added', h('time', { datetime: file.addedAt }, formatClock(file.addedAt))],
  ];
  replace(
    host,
    h('div', { class: 'card-head' }, h('h2', { 'data-testid': 'tensor-title' }, tensor.name), h('span', { class: 'card-sub' }, `${tensor.dtype} ${formatShape(tensor.shape)}`)),
    h('div', { class: 'meta-columns' }, definitions(rows, 'Tensor'), definitions(fileRows, 'File')),
    metadataBlock(file.metadata),
  );
}

function definitions(rows: Array<[string, Node | string]>, title: string): HTMLElement {
  const list = h('dl', { class: 'meta' });
  for (const [term, value] of rows) list.append(h('dt', {}, term), h('dd', {}, value));
  return h('div', {}, h('h3', {}, title), list);
}

function cidWithCopy(cid: string): HTMLElement {
  return h(
    'span',
    { class: 'cid' },
    h('code', { class: 'cid-text', 'data-testid': 'meta-cid', title: cid }, cid),
    h('button', { type: 'button', class: 'link-button copy-button', title: 'Copy the whole CID', onclick: async () => notify((await copyText(cid)) ? 'CID copied.' : 'Could not copy: select the CID by hand.', 'info') }, 'copy'),
  );
}

/** `__metadata__`: string to string by the safetensors spec; anything else is shown as JSON rather than hidden. */
function metadataBlock(metadata: unknown): HTMLElement {
  const title = h('h3', {}, h('code', {}, '__metadata__'));
  if (metadata === null || metadata === undefined) return h('div', { class: 'meta-extra' }, title, h('p', { class: 'hint' }, 'None in this file.'));
  if (typeof metadata === 'object' && !Array.isArray(metadata)) {
    const entries = Object.entries(metadata as Record<string, unknown>);
    if (entries.length === 0) return h('div', { class: 'meta-extra' }, title, h('p', { class: 'hint' }, 'Empty.'));
    const body = h('tbody');
    for (const [key, value] of entries) body.append(h('tr', {}, h('th', { scope: 'row' }, key), h('td', {}, typeof value === 'string' ? value : JSON.stringify(value))));
    return h('div', { class: 'meta-extra' }, title, h('table', { class: 'kv', 'data-testid': 'meta-metadata' }, body));
  }
  return h('div', { class: 'meta-extra' }, title, h('pre', {}, JSON.stringify(metadata, null, 2)));
}
