// The playground page: a tensor list on the left; on the right the open tensor's metadata, the slice editor and
// its picture, downloads, and the live cache panel. Wires the panels together and keeps the URL fragment current.
import { PlaygroundTensorDocument } from '../../src/client/graphql.ts';
import { describeError, request } from './api.ts';
import { CachePanel } from './cache-panel.ts';
import { byId, h, replace } from './dom.ts';
import { Downloads } from './downloads.ts';
import { renderMetadata, type OpenTensor } from './metadata.ts';
import { installGlobalHandlers } from './notices.ts';
import { looksLikeCid, readRoute, writeRoute } from './route.ts';
import { SliceEditor } from './slice-editor.ts';
import { TensorList } from './tensor-list.ts';

function start(): void {
  installGlobalHandlers();
  const fileNames = new Map<string, string>();
  const empty = byId('empty-state');
  const view = byId('tensor-view');
  const meta = byId('meta-card');
  const downloadsCard = byId('downloads-card');
  let open: OpenTensor | null = null;
  let token = 0;

  const downloads = new Downloads();
  const cache = new CachePanel((cid) => fileNames.get(cid) ?? null);
  const editor = new SliceEditor(({ spec, valid }) => {
    downloads.setSpec(spec, valid);
    if (open) writeRoute({ cid: open.cid, name: open.name, spec });
  });
  const list = new TensorList(
    (tensor) => void openTensor(tensor.cid, tensor.name, null),
    (cid, sourceName) => sourceName && fileNames.set(cid, sourceName),
    (checked) => downloads.setChecked(checked),
  );

  async function openTensor(cid: string, name: string, spec: string | null): Promise<void> {
    const mine = ++token;
    list.markSelected({ cid, name });
    empty.hidden = true;
    view.hidden = false;
    if (!looksLikeCid(cid)) {
      showMissing(`"${cid}" is not a CID: the files of this store have CIDs like bafkrei… (base32, lowercase).`);
      return;
    }
    meta.setAttribute('aria-busy', 'true');
    try {
      const { tensor } = await request(PlaygroundTensorDocument, { cid, name });
      if (mine !== token) return;
      if (!tensor) {
        showMissing(`No tensor "${name}" in file ${cid}: it may have been deleted.`);
        return;
      }
      open = tensor;
      if (tensor.file.sourceName) fileNames.set(tensor.file.cid, tensor.file.sourceName);
      renderMetadata(meta, tensor);
      downloadsCard.hidden = false;
      downloads.open(tensor);
      cache.setFile(tensor.file.cid);
      editor.open(tensor, spec);
      document.title = `${tensor.name} · ipfrs playground`;
    } catch (error) {
      if (mine === token) showMissing(`Could not open ${name}: ${describeError(error)}`);
    } finally {
      if (mine === token) meta.removeAttribute('aria-busy');
    }
  }

  function showMissing(message: string): void {
    open = null;
    empty.hidden = false;
    view.hidden = true;
    downloadsCard.hidden = true;
    cache.setFile(null);
    writeRoute(null);
    replace(empty, h('h2', {}, 'Not found'), h('p', { role: 'alert', class: 'error-text' }, message), h('p', { class: 'hint' }, 'Pick another tensor on the left.'));
  }

  cache.start();
  void list.firstPage();
  const openRoute = () => {
    const route = readRoute();
    if (route && (route.cid !== open?.cid || route.name !== open?.name)) void openTensor(route.cid, route.name, route.spec);
  };
  // A link to a view (#cid=..&name=..&spec=..) opens it, at load and when the fragment is edited by hand.
  window.addEventListener('hashchange', openRoute);
  openRoute();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
