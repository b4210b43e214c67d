// The open tensor and spec in the URL fragment, so a view can be bookmarked or shared: #cid=..&name=..&spec=..
export interface Route {
  cid: string;
  name: string;
  spec: string | null;
}

/** CIDv1 in base32 (what this store mints): checked here so a mistyped link is explained, not sent to fail. */
export function looksLikeCid(text: string): boolean {
  return /^b[a-z2-7]{20,}$/.test(text);
}

export function readRoute(hash: string = location.hash): Route | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const cid = params.get('cid');
  const name = params.get('name');
  if (!cid || name === null) return null;
  return { cid, name, spec: params.get('spec') };
}

export function writeRoute(route: Route | null): void {
  const params = new URLSearchParams();
  if (route) {
    params.set('cid', route.cid);
    params.set('name', route.name);
    if (route.spec !== null) params.set('spec', route.spec);
  }
  const hash = route ? `#${params.toString()}` : '';
  // replaceState: typing a spec should not fill the back button's history.
  if (hash !== location.hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
}
