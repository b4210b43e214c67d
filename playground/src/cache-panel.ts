// The cache panel: live stats of the server's mmap cache over the cacheStats subscription (SSE), and warm, evict
// and clear buttons that send the admin token typed into the page (kept for this tab only).
import {
  CacheStatsDocument,
  CacheStatsUpdatesDocument,
  ClearCacheDocument,
  EvictFromCacheDocument,
  WarmCacheDocument,
  type CacheAccess,
  type CacheStatsFieldsFragment,
} from '../../src/client/graphql.ts';
import { describeError, request } from './api.ts';
import { byId, h, replace } from './dom.ts';
import { formatBytes, formatCount, formatPercent, plural, shortCid } from './format.ts';
import { subscribe, type ConnectionState } from './sse.ts';
import { loadToken, saveToken } from './token.ts';

const INTERVAL_MS = 1000;
/** A byte bound this large (the server's "unbounded" is 2^53 - 1) is no bound worth a bar. */
const NO_LIMIT = 2 ** 50;

export class CachePanel {
  private readonly live = byId('cache-live');
  private readonly stats = byId('cache-stats');
  private readonly files = byId<HTMLUListElement>('cache-files');
  private readonly token = byId<HTMLInputElement>('admin-token');
  private readonly warm = byId<HTMLButtonElement>('cache-warm');
  private readonly access = byId<HTMLSelectElement>('cache-access');
  private readonly clear = byId<HTMLButtonElement>('cache-clear');
  private readonly status = byId('cache-status');
  private current: CacheStatsFieldsFragment | null = null;
  /** The open tensor's file, the one Warm maps. */
  private fileCid: string | null = null;

  constructor(private readonly fileName: (cid: string) => string | null) {
    this.token.value = loadToken();
    this.token.addEventListener('input', () => saveToken(this.token.value.trim()));
    byId('admin-token-forget').addEventListener('click', () => {
      this.token.value = '';
      saveToken('');
      this.say('info', 'Token forgotten.');
    });
    // Enter in the token field must not act on the cache: the buttons do.
    byId<HTMLFormElement>('admin-form').addEventListener('submit', (event) => event.preventDefault());
    this.clear.addEventListener('click', () => void this.clearCache());
    this.warm.addEventListener('click', () => void this.warmFile());
    this.setFile(null);
  }

  start(): void {
    subscribe(CacheStatsUpdatesDocument, { intervalMs: INTERVAL_MS }, {
      next: (data) => this.render(data.cacheStats),
      error: () => void this.refreshOnce(),
      state: (state) => this.setLive(state),
    });
  }

  setFile(cid: string | null): void {
    this.fileCid = cid;
    this.warm.disabled = !cid;
    this.warm.title = cid ? `Map ${this.fileName(cid) ?? cid} ahead of use` : 'Open a tensor to warm its file';
    if (this.current) this.renderFiles(this.current);
  }

  /** While the live stream is down, a one-off query keeps the numbers honest. */
  private async refreshOnce(): Promise<void> {
    try {
      this.render((await request(CacheStatsDocument, {})).cacheStats);
    } catch {
      // The live state already says the server is unreachable.
    }
  }

  private setLive(state: ConnectionState): void {
    const text = { connecting: 'connecting…', live: 'live', retrying: 'reconnecting…', closed: 'stopped' }[state];
    this.live.textContent = text;
    this.live.className = `live live-${state}`;
    this.live.title = state === 'live' ? `Updates over server-sent events, checked every ${INTERVAL_MS / 1000} s` : 'The live stream is down; it retries on its own';
  }

  private render(stats: CacheStatsFieldsFragment): void {
    this.current = stats;
    const bar = (ratio: number, label: string) => {
      const fill = h('span', { class: 'bar-fill' });
      fill.style.width = `${Math.max(0, Math.min(100, ratio * 100))}%`;
      return h('span', { class: 'bar', role: 'meter', 'aria-label': label, 'aria-valuenow': Math.round(ratio * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
    };
    const lookups = stats.hits + stats.misses;
    replace(
      this.stats,
      stat('Entries', h('span', { 'data-testid': 'cache-entries' }, formatCount(stats.entries)), `of ${formatCount(stats.maxEntries)}`, bar(stats.maxEntries ? stats.entries / stats.maxEntries : 0, 'entries used')),
      stat('Mapped', h('span', { 'data-testid': 'cache-mapped' }, formatBytes(stats.mappedBytes)), stats.maxBytes >= NO_LIMIT ? 'no byte limit' : `of ${formatBytes(stats.maxBytes)}`, stats.maxBytes >= NO_LIMIT ? undefined : bar(stats.mappedBytes / stats.maxBytes, 'mapped bytes used')),
      stat('Hit ratio', h('span', { 'data-testid': 'cache-hit-ratio' }, lookups ? formatPercent(stats.hitRatio) : '—'), `${plural(stats.hits, 'hit')} · ${plural(stats.misses, 'miss', 'misses')}`, bar(stats.hitRatio, 'hit ratio')),
      stat('Evictions', h('span', { 'data-testid': 'cache-evictions' }, formatCount(stats.evictions)), 'since start'),
    );
    this.renderFiles(stats);
  }

  private renderFiles(stats: CacheStatsFieldsFragment): void {
    if (stats.files.length === 0) {
      replace(this.files, h('li', { class: 'cache-empty' }, 'Nothing mapped. Files map on first read.'));
      return;
    }
    replace(
      this.files,
      ...stats.files.map((file) => {
        const name = this.fileName(file.cid);
        return h(
          'li',
          { class: `cache-file${file.cid === this.fileCid ? ' cache-file-open' : ''}` },
          h('span', { class: 'cache-file-name', title: file.cid }, name ?? shortCid(file.cid), file.cid === this.fileCid && h('span', { class: 'tag' }, 'open')),
          h('span', { class: 'cache-file-meta' }, `${formatBytes(file.size)} · ${plural(file.hits, 'hit')}`),
          h('button', { type: 'button', class: 'small-button', title: 'Unmap this file', onclick: (event: Event) => void this.evict(file.cid, event.currentTarget as HTMLButtonElement) }, 'Evict'),
        );
      }),
    );
  }

  private tokenOrSay(): string | null {
    const token = this.token.value.trim();
    if (!token) {
      this.say('error', 'Type the admin token first: it is in <store>/admin-token on the server.');
      this.token.focus();
    }
    return token || null;
  }

  private async clearCache(): Promise<void> {
    const token = this.tokenOrSay();
    if (!token) return;
    await this.busy(this.clear, async () => {
      const { clearCache: result } = await request(ClearCacheDocument, {}, { token });
      if (result.__typename !== 'CacheStats') return this.say('error', result.message);
      if (this.current) this.render({ ...this.current, ...result, files: [], hitRatio: this.current.hitRatio });
      this.say('success', `Cache cleared: ${result.entries} entries, ${formatBytes(result.mappedBytes)} mapped.`);
    });
  }

  private async evict(cid: string, button: HTMLButtonElement): Promise<void> {
    const token = this.tokenOrSay();
    if (!token) return;
    await this.busy(button, async () => {
      const { evictFromCache: result } = await request(EvictFromCacheDocument, { cid }, { token });
      if (result.__typename !== 'EvictFromCachePayload') return this.say('error', result.message);
      this.say('success', result.evicted ? `Evicted ${this.fileName(cid) ?? shortCid(cid)}.` : 'It was no longer mapped.');
    });
  }

  private async warmFile(): Promise<void> {
    const cid = this.fileCid;
    const token = this.tokenOrSay();
    if (!cid || !token) return;
    await this.busy(this.warm, async () => {
      const { warmCache: result } = await request(WarmCacheDocument, { cid, access: this.access.value as CacheAccess, populate: true }, { token });
      if (result.__typename !== 'CacheEntry') return this.say('error', result.message);
      this.say('success', `Warmed ${this.fileName(cid) ?? shortCid(cid)}: ${formatBytes(result.size)} mapped and paged in.`);
    });
  }

  private async busy(button: HTMLButtonElement, action: () => Promise<void>): Promise<void> {
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      this.say('error', describeError(error));
    } finally {
      button.disabled = button === this.warm ? !this.fileCid : false;
    }
  }

  private say(kind: 'info' | 'success' | 'error', message: string): void {
    replace(this.status, h('span', { class: `status-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message));
  }
}

function stat(label: string, value: Node, sub: string, bar?: Node): HTMLElement {
  return h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-sub' }, sub), bar);
}
