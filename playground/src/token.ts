// The token the person types (admin for cache mutations; read for a --private server): kept in sessionStorage
// (this tab only, gone when it closes), never in localStorage, a cookie or the URL.
const KEY = 'ipfrs.adminToken';

export function loadToken(): string {
  try {
    return sessionStorage.getItem(KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled: the token lives in the input only.
  }
}
