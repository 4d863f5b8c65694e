// How numbers, times and states read in the panel. Pure functions (no DOM), so every
// view says "12.5 MB", "2 min ago" and "Succeeded" the same way.

const MB = 1024 * 1024;

// Always MB (the mock-ups' unit); two decimals below 1 MB so small syncs still move.
export function mb(bytes) {
  const n = (Number(bytes) || 0) / MB;
  return `${n.toFixed(n > 0 && n < 1 ? 2 : 1)} MB`;
}

export function speed(bytesPerSecond) {
  const n = (Number(bytesPerSecond) || 0) / MB;
  return `${n.toFixed(n > 0 && n < 1 ? 2 : 1)} MB/s`;
}

// 45 -> "45 seconds", 125 -> "2 min 5 s", 3900 -> "1 h 5 min".
export function duration(seconds) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  if (s < 60) return s === 1 ? '1 second' : `${s} seconds`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
}

export function remaining(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(Number(seconds))) return 'Estimating time remaining…';
  return `Estimated: ${duration(seconds)} remaining`;
}

// "just now", "2 min ago", "1 hour ago", "3 days ago"; `now` in ms for tests and ticks.
export function ago(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  const plural = (n, unit) => `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return plural(Math.round(s / 3600), 'hour');
  return plural(Math.round(s / 86400), 'day');
}

export function clock(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? new Date(t).toLocaleString() : '—';
}

export function elapsed(startIso, endIso) {
  const a = Date.parse(startIso);
  const b = Date.parse(endIso);
  return Number.isFinite(a) && Number.isFinite(b) ? duration((b - a) / 1000) : '—';
}

// The API's session states (SPEC.md): icon, words and the CSS class that colours them.
const STATES = {
  queued: { icon: '…', label: 'Queued', cls: 'running' },
  running: { icon: '', label: 'Running', cls: 'running' },
  succeeded: { icon: '✓', label: 'Succeeded', cls: 'ok' },
  failed: { icon: '✕', label: 'Failed', cls: 'failed' },
  cancelled: { icon: '■', label: 'Cancelled', cls: 'cancelled' },
};

export function stateInfo(state) {
  return STATES[state] || { icon: '?', label: String(state || 'unknown'), cls: 'cancelled' };
}

export function isActive(state) {
  return state === 'queued' || state === 'running';
}

export const PHASES = ['backup', 'transfer', 'convert', 'restore', 'verify'];

// A row's key as the API gives it ({id: 5}) for one line: "id 5", "order_id 3, line 2".
export function keyText(key) {
  if (key && typeof key === 'object') return Object.entries(key).map(([k, v]) => `${k} ${v}`).join(', ');
  return String(key);
}
