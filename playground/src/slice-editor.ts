// The slice editor: a numpy-style spec, checked by the server as the person types (debounced; a newer request
// aborts the older one), and the result drawn by its rank: a number, a line plot, a heatmap, and a table.
import { PlaygroundSliceDocument, type PlaygroundSliceQuery } from '../../src/client/graphql.ts';
import { describeError, isAbort, request } from './api.ts';
import { byId, debounce, h, replace } from './dom.ts';
import { formatBytes, formatCount, formatShape, isIntegralDtype } from './format.ts';
import { renderHeatmap } from './heatmap.ts';
import { renderLinePlot } from './line-plot.ts';
import type { OpenTensor } from './metadata.ts';
import { renderScalar } from './scalar.ts';
import { defaultSpec } from './spec.ts';
import { renderValuesTable } from './values-table.ts';

/** The inline size the preview asks for: enough for a 512 x 512 F32 picture, well under the server's maximum. */
const PREVIEW_BYTES = 1 << 20;
const CHECK_DELAY_MS = 250;
const HEATMAP_GUTTER = 28;

type SliceResult = NonNullable<PlaygroundSliceQuery['tensor']>['slice'];
type Inline = Extract<SliceResult, { __typename: 'InlineSlice' }>;

export interface SpecState {
  spec: string;
  /** The server accepted it (a picture or a too-large-to-draw link); false while unknown or invalid. */
  valid: boolean;
}

export class SliceEditor {
  private readonly form = byId<HTMLFormElement>('slice-form');
  private readonly input = byId<HTMLInputElement>('spec');
  private readonly prefix = byId('spec-prefix');
  private readonly status = byId('spec-status');
  private readonly examples = byId('spec-examples');
  private readonly view = byId('slice-view');
  private readonly table = byId('slice-table');
  private tensor: OpenTensor | null = null;
  private controller: AbortController | null = null;
  private lastInline: Inline | null = null;
  private readonly check = debounce(() => void this.run(), CHECK_DELAY_MS);

  constructor(private readonly onSpec: (state: SpecState) => void) {
    this.input.addEventListener('input', () => {
      this.setStatus('pending', 'Checking…');
      this.onSpec({ spec: this.input.value, valid: false });
      this.check();
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.check.cancel();
      void this.run();
    });
    window.addEventListener(
      'resize',
      debounce(() => this.lastInline && this.draw(this.lastInline), 150),
    );
  }

  open(tensor: OpenTensor, spec: string | null): void {
    this.tensor = tensor;
    this.lastInline = null;
    this.prefix.textContent = `${tensor.name}[`;
    this.input.value = spec ?? defaultSpec(tensor.shape);
    replace(this.examples, 'Try ', ...examplesFor(tensor.shape).flatMap((example, i) => [i ? ' ' : '', this.exampleChip(example)]));
    this.check.cancel();
    void this.run();
  }

  private exampleChip(spec: string): HTMLButtonElement {
    return h(
      'button',
      {
        type: 'button',
        class: 'chip',
        onclick: () => {
          this.input.value = spec;
          this.check.cancel();
          void this.run();
        },
      },
      spec === '' ? '(empty: all)' : spec,
    );
  }

  private async run(limit = PREVIEW_BYTES, retried = false): Promise<void> {
    const tensor = this.tensor;
    if (!tensor) return;
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const spec = this.input.value;
    this.setStatus('pending', 'Checking…');
    try {
      const data = await request(PlaygroundSliceDocument, { cid: tensor.cid, name: tensor.name, spec, inlineLimit: limit }, { signal: controller.signal });
      if (controller !== this.controller) return;
      const result = data.tensor?.slice;
      if (!result) {
        this.fail(spec, 'This tensor no longer exists on the server (it was deleted).');
        return;
      }
      switch (result.__typename) {
        case 'InlineSlice':
          this.onSpec({ spec, valid: true });
          this.setStatus('ok', `Result ${result.dtype} ${formatShape(result.shape)} · ${formatCount(result.elementCount)} ${result.elementCount === 1 ? 'element' : 'elements'} · ${formatBytes(result.byteLength)}`);
          this.lastInline = result;
          this.draw(result);
          return;
        case 'DownloadLink':
          this.onSpec({ spec, valid: true });
          this.lastInline = null;
          this.setStatus('ok', `Result ${formatBytes(result.byteLength)}: larger than the page draws (${formatBytes(limit)}).`);
          replace(this.view, h('div', { class: 'placeholder' }, 'This slice is too large to draw here. Narrow the spec (for example ', h('code', {}, defaultSpec(tensor.shape)), '), or download it with the Download buttons.'));
          replace(this.table);
          return;
        case 'TooLargeError':
          // The server allows less inline than the preview asks: ask again within its limit.
          if (!retried && result.limit > 0 && result.limit < limit) return this.run(result.limit, true);
          this.fail(spec, result.message);
          return;
        default:
          this.fail(spec, result.message);
      }
    } catch (error) {
      if (isAbort(error)) return;
      this.fail(spec, `The slice could not be read: ${describeError(error)}`);
    }
  }

  private fail(spec: string, message: string): void {
    this.onSpec({ spec, valid: false });
    this.setStatus('error', message);
    // The last good picture stays, dimmed, so a typo does not throw the view away.
    this.view.classList.add('stale');
    this.table.classList.add('stale');
  }

  private setStatus(kind: 'pending' | 'ok' | 'error', message: string): void {
    this.status.className = `spec-status spec-state-${kind}`;
    this.status.dataset.state = kind;
    this.input.setAttribute('aria-invalid', String(kind === 'error'));
    replace(this.status, kind === 'error' ? h('span', { class: 'spec-error', 'data-testid': 'spec-error' }, message) : message);
  }

  private draw(slice: Inline): void {
    this.view.classList.remove('stale');
    this.table.classList.remove('stale');
    const integral = isIntegralDtype(slice.dtype);
    const { shape, values } = slice;
    const width = Math.max(280, Math.min(800, this.view.clientWidth || 640));
    if (slice.elementCount === 0) {
      replace(this.view, h('div', { class: 'placeholder' }, `The slice is empty: shape ${formatShape(shape)}.`));
      replace(this.table);
      return;
    }
    if (shape.length === 0) replace(this.view, renderScalar(values[0], slice.dtype, integral));
    else if (shape.length === 1) replace(this.view, renderLinePlot(values, integral, width));
    // The heatmap's axis label takes HEATMAP_GUTTER pixels beside the canvas.
    else if (shape.length === 2) replace(this.view, renderHeatmap(values, shape[0]!, shape[1]!, integral, width - HEATMAP_GUTTER));
    else {
      const hint = [...shape.slice(0, -2).map(() => '0'), ':', ':'].join(', ');
      replace(this.view, h('div', { class: 'placeholder' }, `A ${shape.length}-D result has no single picture. Index the leading axes to get 2-D, e.g. `, h('code', {}, hint), '. Its values are below.'));
    }
    // A scalar is already shown as a number: a one-row table would say it twice.
    replace(this.table, shape.length === 0 ? null : renderValuesTable(values, shape, integral));
  }
}

/** A few specs worth trying on this shape, each valid for it. */
export function examplesFor(shape: readonly number[]): string[] {
  if (shape.length === 0) return [''];
  const first = shape[0]!;
  const out = new Set<string>([defaultSpec(shape)]);
  if (first > 0) out.add(shape.length === 1 ? '-1' : '0');
  if (first > 1) out.add(shape.length === 1 ? '::-1' : '::-1, ...');
  if (shape.length >= 2 && first > 1) out.add(['::2', ...shape.slice(1).map(() => ':')].join(', ').replace(/(, :)+$/, ', ...'));
  if (shape.length >= 2) out.add(['...', '0'].join(', '));
  return [...out].slice(0, 5);
}
