// The one door to this node's HTTP API (SPEC.md "HTTP API"). The admin token lives in
// the tab's session storage (asked once, gone when the tab closes) and travels only in
// the Authorization header, never in a URL. Calls never throw: each returns
// {ok, status, data, error, field} so views show a message instead of breaking.

const TOKEN_KEY = 'tandem.token';

export function savedToken() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

// Called once per 401 so the app can ask for the token again.
let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export function authHeaders(token = savedToken()) {
  return { Authorization: `Bearer ${token}` };
}

export async function call(method, path, body, token = savedToken()) {
  const init = { method, headers: { ...authHeaders(token), Accept: 'application/json' }, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    return { ok: false, status: 0, data: null, error: `Cannot reach this node (${e.message}). Is tandemd running?` };
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  const out = { ok: res.ok, status: res.status, data, error: null, field: null };
  if (!res.ok) {
    out.error = (data && typeof data.error === 'string' && data.error) || `HTTP ${res.status}`;
    out.field = data && typeof data.field === 'string' ? data.field : null;
    if (res.status === 401) onUnauthorized(out);
  }
  return out;
}

export const get = (path) => call('GET', path);
export const post = (path, body = {}) => call('POST', path, body);

export async function health() {
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}
