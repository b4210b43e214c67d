// The left column: tensors filtered by name prefix and dtype, paged the Relay way (forward cursors, with a stack
// of the cursors seen so Prev goes back).
import { PlaygroundTensorsDocument, type DType, type PlaygroundTensorsQuery } from '../../src/client/graphql.ts';
import { describeError, isAbort, request } from './api.ts';
import { byId, debounce, h, replace } from './dom.ts';
import { formatCount, formatShape, shortCid } from './format.ts';

export type ListedTensor = PlaygroundTensorsQuery['tensors']['edges'][number]['node'];

export const DTYPES: DType[] = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'];
const PAGE_SIZE = 25;

export class TensorList {
  private readonly search = byId<HTMLInputElement>('search');
  private readonly dtype = byId<HTMLSelectElement>('dtype-filter');
  private readonly list = byId<HTMLUListElement>('tensor-list');
  private readonly summary = byId('list-summary');
  private readonly prev = byId<HTMLButtonElement>('prev-page');
  private readonly next = byId<HTMLButtonElement>('next-page');
  private readonly pageInfo = byId('page-info');
  /** after-cursors of the pages before this one; [] on the first page. */
  private cursors: Array<string | null> = [];
  private after: string | null = null;
  private endCursor: string | null = null;
  private controller: AbortController | null = null;
  private selected: { cid: string; name: string } | null = null;
  /** Tensors ticked for a subset download, by `cid/name`; kept across pages and filters. */
  private readonly checked = new Map<string, { cid: string; name: string }>();

  constructor(
    private readonly onSelect: (tensor: { cid: string; name: string }) => void,
    /** Every file the list shows, so other panels can name files by their source name. */
    private readonly onFileSeen: (cid: string, sourceName: string | null) => void,
    /** The ticked tensors, whenever they change. */
    private readonly onCheck: (checked: Array<{ cid: string; name: string }>) => void = () => {},
  ) {
    for (const dtype of DTYPES) this.dtype.append(h('option', { value: dtype }, dtype));
    const refilter = debounce(() => this.firstPage(), 200);
    this.search.addEventListener('input', refilter);
    this.search.addEventListener('keydown', (event) => event.key === 'Enter' && refilter.flush());
    this.dtype.addEventListener('change', () => this.firstPage());
    this.prev.addEventListener('click', () => {
      this.after = this.cursors.pop() ?? null;
      void this.load();
    });
    this.next.addEventListener('click', () => {
      this.cursors.push(this.after);
      this.after = this.endCursor;
      void this.load();
    });
  }

  firstPage(): Promise<void> {
    this.cursors = [];
    this.after = null;
    return this.load();
  }

  markSelected(tensor: { cid: string; name: string } | null): void {
    this.selected = tensor;
    for (const button of this.list.querySelectorAll<HTMLButtonElement>('.tensor-item')) {
      const on = !!tensor && button.dataset.cid === tensor.cid && button.dataset.name === tensor.name;
      if (on) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  private async load(): Promise<void> {
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const prefix = this.search.value;
    const dtype = this.dtype.value as DType | '';
    this.list.setAttribute('aria-busy', 'true');
    try {
      const data = await request(
        PlaygroundTensorsDocument,
        { first: PAGE_SIZE, after: this.after, filter: { ...(prefix ? { namePrefix: prefix } : {}), ...(dtype ? { dtype } : {}) } },
        { signal: controller.signal },
      );
      this.render(data.tensors, prefix || dtype ? 'match' : 'total');
    } catch (error) {
      if (isAbort(error)) return;
      replace(this.list, h('li', { class: 'list-error', role: 'alert' }, `Could not load tensors: ${describeError(error)}`));
      this.summary.textContent = '';
      this.prev.disabled = this.next.disabled = true;
    } finally {
      if (this.controller === controller) this.list.removeAttribute('aria-busy');
    }
  }

  private render(page: PlaygroundTensorsQuery['tensors'], kind: 'match' | 'total'): void {
    const { totalCount, edges, pageInfo } = page;
    this.endCursor = pageInfo.endCursor ?? null;
    const start = this.cursors.length * PAGE_SIZE;
    this.summary.textContent = totalCount === 0 ? '' : `${formatCount(totalCount)} ${totalCount === 1 ? 'tensor' : 'tensors'}${kind === 'match' ? (totalCount === 1 ? ' matches' : ' match') : ''}`;
    this.pageInfo.textContent = edges.length ? `${formatCount(start + 1)}–${formatCount(start + edges.length)}` : '';
    this.prev.disabled = this.cursors.length === 0;
    this.next.disabled = !pageInfo.hasNextPage;
    if (edges.length === 0) {
      const empty = kind === 'match' ? 'No tensor matches. Names match by prefix, case-sensitive.' : 'The store holds no tensors yet. Add some with `ipfrs add FILE`.';
      replace(this.list, h('li', { class: 'list-empty' }, empty));
      return;
    }
    replace(this.list, ...edges.map(({ node }) => this.item(node)));
    this.markSelected(this.selected);
  }

  private item(tensor: ListedTensor): HTMLLIElement {
    this.onFileSeen(tensor.file.cid, tensor.file.sourceName ?? null);
    const source = tensor.file.sourceName ?? shortCid(tensor.cid);
    const key = `${tensor.cid}/${tensor.name}`;
    const check = h('input', {
      type: 'checkbox',
      class: 'tensor-check',
      title: 'Tick tensors of one file to download them as one .safetensors',
      'aria-label': `Tick ${tensor.name} for a subset download`,
      onchange: (event: Event) => {
        if ((event.target as HTMLInputElement).checked) this.checked.set(key, { cid: tensor.cid, name: tensor.name });
        else this.checked.delete(key);
        this.onCheck([...this.checked.values()]);
      },
    }) as HTMLInputElement;
    check.checked = this.checked.has(key);
    return h(
      'li',
      { class: 'tensor-row' },
      check,
      h(
        'button',
        {
          type: 'button',
          class: 'tensor-item',
          'data-cid': tensor.cid,
          'data-name': tensor.name,
          title: `${tensor.name} in ${tensor.file.sourceName ?? tensor.cid} (${tensor.cid})`,
          onclick: () => this.onSelect({ cid: tensor.cid, name: tensor.name }),
        },
        h('span', { class: 'item-top' }, h('span', { class: 'item-name' }, tensor.name), h('span', { class: `dtype dtype-${tensor.dtype.toLowerCase()}` }, tensor.dtype)),
        h('span', { class: 'item-sub' }, h('span', { class: 'item-shape' }, formatShape(tensor.shape)), h('span', { class: 'item-file' }, source)),
      ),
    );
  }
}
