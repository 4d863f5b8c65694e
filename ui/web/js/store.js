// The panel's shared data: this node, its peers and the recent sessions, refreshed every
// few seconds (and at once after an action). Views subscribe and re-render from it; they
// own their own UI state (the selected server, open details), which a refresh never
// touches — the old panel's "selection changes by itself" bug came from mixing the two.

import { get } from './api.js';

export const store = {
  local: null,        // {id, name}
  nodes: [],          // GET /api/admin/sync/peers .nodes: {id, name, local, reachable, detail}
  sessions: [],       // GET /api/admin/sync/sessions: newest first
  loaded: false,
  error: null,        // the last refresh's error message, or null
  refreshes: 0,       // completed refreshes (the browser tests wait on it)
};

const listeners = new Set();
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function notify() {
  for (const fn of listeners) fn(store);
}

let inFlight = null;
export function refresh() {
  // Calls that arrive while one runs share it, so a burst of events is one round trip.
  if (!inFlight) inFlight = load().finally(() => { inFlight = null; });
  return inFlight;
}

async function load() {
  const [peers, sessions] = await Promise.all([get('/api/admin/sync/peers'), get('/api/admin/sync/sessions?limit=200')]);
  if (peers.status === 401 || sessions.status === 401) return;  // api.js asks for the token
  const failed = [peers, sessions].find((a) => !a.ok);
  store.error = failed ? failed.error : null;
  if (peers.ok && Array.isArray(peers.data?.nodes)) {
    store.nodes = peers.data.nodes;
    store.local = store.nodes.find((n) => n.local) || store.local;
  }
  if (sessions.ok && Array.isArray(sessions.data?.sessions)) store.sessions = sessions.data.sessions;
  store.loaded = true;
  store.refreshes += 1;
  document.body.dataset.refreshes = String(store.refreshes);
  notify();
}

let timer = null;
export function startRefreshing(everyMs = 5000) {
  stopRefreshing();
  timer = setInterval(refresh, everyMs);
  return refresh();
}

export function stopRefreshing() {
  if (timer) clearInterval(timer);
  timer = null;
}

export function isLocal(id) {
  return store.local ? store.local.id === id : false;
}

export function nodeName(id) {
  const n = store.nodes.find((x) => x.id === id);
  return n ? n.name : String(id ?? '?');
}

// How a node reads in a flow: "This" for this node, else its name ("Server B").
export function endpoint(id, thisWord = 'This') {
  return isLocal(id) ? thisWord : nodeName(id);
}

// "Server B → This": the UI always shows Source → Target (SPEC.md).
export function flow(session, thisWord = 'This') {
  return `${endpoint(session.source, thisWord)} → ${endpoint(session.target, thisWord)}`;
}

// The peer a session ran with, seen from this node.
export function peerOf(session) {
  return isLocal(session.source) ? session.target : session.source;
}
