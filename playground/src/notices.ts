// Messages to the person at the top of the detail pane: failures in words, and short confirmations.
import { byId, h } from './dom.ts';

export type NoticeKind = 'error' | 'info' | 'success';

export function notify(message: string, kind: NoticeKind = 'error', timeoutMs = kind === 'error' ? 0 : 4000): void {
  const host = byId('notices');
  // The same failure repeated (a server that went away) stays one notice.
  for (const existing of host.querySelectorAll<HTMLElement>('.notice')) if (existing.dataset.message === message) existing.remove();
  const notice = h(
    'div',
    { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-message': message },
    h('span', { class: 'notice-text' }, message),
    h('button', { class: 'notice-close', type: 'button', 'aria-label': 'Dismiss', onclick: () => notice.remove() }, '×'),
  );
  host.prepend(notice);
  while (host.children.length > 4) host.lastElementChild?.remove();
  if (timeoutMs > 0) setTimeout(() => notice.remove(), timeoutMs);
}

/** Nothing goes blank or silent: an unexpected failure anywhere in the page becomes a notice. */
export function installGlobalHandlers(): void {
  window.addEventListener('error', (event) => notify(`Something went wrong in the page: ${event.message}`));
  window.addEventListener('unhandledrejection', (event) => {
    const reason = event.reason as Error | undefined;
    if (reason?.name === 'AbortError') return event.preventDefault();
    notify(`Something went wrong: ${reason?.message ?? String(reason)}`);
  });
}
