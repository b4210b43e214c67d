// Download buttons: each asks GraphQL for a signed link (Tensor.downloadLink for the whole tensor, Tensor.slice
// with inlineLimit 0 for the current slice, TensorFile.subsetLink for the tensors ticked in the list), shows its
// size and expiry, and starts the download from it. The Zarr button shows the file's Zarr prefix to copy.
import { FileSubsetLinkDocument, FileZarrUrlDocument, TensorDownloadLinkDocument, TensorSliceDocument, type SliceFormat } from '../../src/client/graphql.ts';
import { describeError, request } from './api.ts';
import { byId, copyText, h, replace } from './dom.ts';
import { formatBytes, formatClock, formatCount, formatExpiry } from './format.ts';
import type { OpenTensor } from './metadata.ts';
import { notify } from './notices.ts';
import { downloadName } from './spec.ts';

interface Link {
  url: string;
  expiresAt: string;
  byteLength: number;
  contentType: string;
}

const MAX_LINKS = 5;

export class Downloads {
  private readonly sliceLabel = byId('download-slice-spec');
  private readonly sliceButtons = [...byId('download-slice').querySelectorAll<HTMLButtonElement>('button')];
  private readonly links = byId<HTMLUListElement>('download-links');
  private readonly status = byId('download-status');
  private readonly subsetButton = byId('download-subset').querySelector<HTMLButtonElement>('button')!;
  private readonly subsetCount = byId('download-subset-count');
  private readonly zarrOut = byId('zarr-url');
  private tensor: OpenTensor | null = null;
  private spec = '';
  private valid = false;
  private checked: Array<{ cid: string; name: string }> = [];

  constructor() {
    for (const button of byId('download-tensor').querySelectorAll<HTMLButtonElement>('button')) {
      button.addEventListener('click', () => void this.fetchLink(button, null, button.dataset.format as SliceFormat));
    }
    for (const button of this.sliceButtons) {
      button.addEventListener('click', () => void this.fetchLink(button, this.spec, button.dataset.format as SliceFormat));
    }
    this.subsetButton.addEventListener('click', () => void this.fetchSubset());
    byId('download-zarr').querySelector<HTMLButtonElement>('button')!.addEventListener('click', () => void this.fetchZarr());
    this.setChecked([]);
    // Expiry is relative to now: keep the "in N min" current.
    setInterval(() => this.refreshExpiries(), 30_000);
  }

  open(tensor: OpenTensor): void {
    this.tensor = tensor;
    replace(this.links);
    replace(this.status);
    replace(this.zarrOut);
  }

  /** The tensors ticked in the list: one file's make a subset; several files' cannot. */
  setChecked(checked: Array<{ cid: string; name: string }>): void {
    this.checked = checked;
    const files = new Set(checked.map((t) => t.cid));
    this.subsetCount.textContent = checked.length ? `(${checked.length})` : '(tick some in the list)';
    this.subsetButton.disabled = files.size !== 1;
    this.subsetButton.title = files.size > 1 ? 'The ticked tensors are in different files: tick tensors of one file' : '';
  }

  private async fetchSubset(): Promise<void> {
    const checked = this.checked;
    if (checked.length === 0) return;
    const cid = checked[0]!.cid;
    this.subsetButton.disabled = true;
    replace(this.status, 'Asking the server for a signed link…');
    try {
      const data = await request(FileSubsetLinkDocument, { cid, names: checked.map((t) => t.name) });
      if (!data.tensorFile) throw new Error('this file no longer exists on the server');
      replace(this.status);
      this.show(data.tensorFile.subsetLink, `${checked.length} tensors of ${cid.slice(0, 12)}…`, `${cid}-subset.safetensors`, 'SAFETENSORS');
    } catch (error) {
      replace(this.status, h('span', { class: 'error-text', role: 'alert' }, `No link: ${describeError(error)}`));
    } finally {
      this.setChecked(this.checked);
    }
  }

  private async fetchZarr(): Promise<void> {
    const tensor = this.tensor;
    if (!tensor) return;
    try {
      const data = await request(FileZarrUrlDocument, { cid: tensor.cid, expiresIn: 3600 });
      if (!data.tensorFile) throw new Error('this file no longer exists on the server');
      const url = data.tensorFile.zarrUrl;
      const snippet = `zarr.open(fsspec.get_mapper("${url}"), mode="r")["${tensor.name}"]`;
      replace(
        this.zarrOut,
        h('input', { type: 'text', readonly: true, value: url, class: 'zarr-url-input', 'data-testid': 'zarr-url-value', onfocus: (event: Event) => (event.target as HTMLInputElement).select() }),
        h('button', { type: 'button', class: 'link-button', onclick: async () => notify((await copyText(url)) ? 'Zarr URL copied (valid for an hour).' : 'Could not copy the URL.', 'info') }, 'copy URL'),
        h('button', { type: 'button', class: 'link-button', onclick: async () => notify((await copyText(snippet)) ? 'Python snippet copied.' : 'Could not copy.', 'info') }, 'copy Python'),
      );
    } catch (error) {
      replace(this.zarrOut, h('span', { class: 'error-text', role: 'alert' }, `No Zarr URL: ${describeError(error)}`));
    }
  }

  setSpec(spec: string, valid: boolean): void {
    this.spec = spec;
    this.valid = valid;
    this.sliceLabel.textContent = `[${spec}]`;
    for (const button of this.sliceButtons) {
      button.disabled = !valid;
      button.title = valid ? '' : 'Fix the slice spec first';
    }
  }

  private async fetchLink(button: HTMLButtonElement, spec: string | null, format: SliceFormat): Promise<void> {
    const tensor = this.tensor;
    if (!tensor) return;
    button.disabled = true;
    replace(this.status, 'Asking the server for a signed link…');
    try {
      let link: Link;
      if (spec === null) {
        const data = await request(TensorDownloadLinkDocument, { cid: tensor.cid, name: tensor.name, format });
        if (!data.tensor) throw new Error('this tensor no longer exists on the server');
        const answer = data.tensor.downloadLink;
        if (answer.__typename !== 'DownloadLink') throw new Error(answer.message);
        link = answer;
      } else {
        const data = await request(TensorSliceDocument, { cid: tensor.cid, name: tensor.name, spec, format, inlineLimit: 0 });
        const result = data.tensor?.slice;
        if (!result) throw new Error('this tensor no longer exists on the server');
        if (result.__typename !== 'DownloadLink') throw new Error('message' in result ? result.message : `the server answered ${result.__typename}, not a link`);
        link = result;
      }
      replace(this.status);
      this.show(link, spec === null ? tensor.name : `${tensor.name}[${spec}]`, downloadName(tensor.name, spec, format), format);
    } catch (error) {
      replace(this.status, h('span', { class: 'error-text', role: 'alert' }, `No link: ${describeError(error)}`));
    } finally {
      button.disabled = spec !== null && !this.valid;
    }
  }

  /** `fileName` is a fallback: the route's Content-Disposition names the file when it sends one. */
  private show(link: Link, label: string, fileName: string, format: SliceFormat): void {
    const anchor = h('a', { href: link.url, download: fileName, class: 'download-anchor', title: 'Download again (until the link expires)', 'data-testid': `download-${format.toLowerCase()}` }, label);
    const expiry = h('span', { class: 'expiry', 'data-expires': link.expiresAt, title: link.expiresAt }, expiryText(link.expiresAt));
    const item = h(
      'li',
      { class: 'download-link' },
      h('div', { class: 'download-main' }, h('span', { class: 'format-badge' }, format.toLowerCase()), anchor),
      h(
        'div',
        { class: 'download-meta' },
        h('span', { 'data-testid': 'download-size', title: `${formatCount(link.byteLength)} bytes` }, formatBytes(link.byteLength)),
        ' · ',
        expiry,
        ' · ',
        h('button', { type: 'button', class: 'link-button', onclick: async () => notify((await copyText(link.url)) ? 'Signed link copied.' : 'Could not copy the link.', 'info') }, 'copy link'),
      ),
    );
    this.links.prepend(item);
    while (this.links.children.length > MAX_LINKS) this.links.lastElementChild?.remove();
    // The button means "download": start it now; the link stays for another try (or to copy) until it expires.
    anchor.click();
  }

  private refreshExpiries(): void {
    for (const span of this.links.querySelectorAll<HTMLElement>('.expiry')) span.textContent = expiryText(span.dataset.expires ?? '');
  }
}

function expiryText(expiresAt: string): string {
  const relative = formatExpiry(expiresAt);
  return relative === 'expired' ? 'expired: ask again' : `expires ${formatClock(expiresAt)} (${relative})`;
}
