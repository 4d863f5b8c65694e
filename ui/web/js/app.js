// The panel's entry point: sign in, then route between the pages (#/full-sync,
// #/history, #/history/<id>, #/periodic), feed them the refreshed data and the live
// events, and ask for the token again whenever the node answers 401.

import { setText } from './dom.js';
import { health, savedToken, forgetToken, whenUnauthorized } from './api.js';
import { store, subscribe, startRefreshing, stopRefreshing, refresh } from './store.js';
import { connectEvents } from './events.js';
import { askToken } from './login.js';
import { createFullSyncPage } from './full_sync_page.js';
import { createHistoryPage } from './history.js';
import { createSessionDetail } from './session_detail.js';
import { createPeriodicPage } from './periodic.js';

const main = document.getElementById('main');
const tabs = document.getElementById('tabs');
const banner = document.getElementById('banner');
const signOut = document.getElementById('sign-out');
const nodeLabel = document.getElementById('node-name');

let fullSync = null;   // kept for the whole visit: it follows a running sync
let page = null;       // the page on screen
let events = null;
let signingIn = false;
let nodeId = '';

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [view, id] = hash.split('/');
  if (page && page !== fullSync && page.destroy) page.destroy();
  if (view === 'history' && id) page = createSessionDetail(decodeURIComponent(id));
  else if (view === 'history') page = createHistoryPage();
  else if (view === 'periodic') page = createPeriodicPage();
  else page = fullSync || (fullSync = createFullSyncPage());
  const current = view === 'history' || view === 'periodic' ? view : 'full-sync';
  for (const a of tabs.querySelectorAll('a')) {
    if (a.dataset.view === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.replaceChildren(page.element);
  document.title = `${tabs.querySelector('[aria-current]')?.textContent || 'Panel'} — tandem`;
  if (store.loaded) page.update(store);
}

function render(s) {
  setText(nodeLabel, s.local ? s.local.name : nodeId);
  banner.hidden = !s.error;
  setText(banner, s.error ? `Cannot refresh: ${s.error}. Showing the last data; retrying every 5 s.` : '');
  if (fullSync && page !== fullSync) fullSync.update(s);  // keeps following in the background
  if (page) page.update(s);
}

function openPanel() {
  tabs.hidden = false;
  signOut.hidden = false;
  route();
  // tandem.refreshMs (session storage) speeds refreshes up for the browser tests.
  startRefreshing(Math.max(200, Number(sessionStorage.getItem('tandem.refreshMs')) || 5000));
  // "progress" events feed the progress panel; a "state" event (a session started,
  // finished, was cancelled) refreshes the lists at once instead of at the next tick.
  events = connectEvents((type, data) => {
    if (type === 'progress' && fullSync) fullSync.event(type, data);
    if (type === 'state') refresh();
  }, (status) => { document.body.dataset.events = status; });
}

async function signIn(reason) {
  if (signingIn) return;
  signingIn = true;
  stopRefreshing();
  if (events) events.stop();
  tabs.hidden = true;
  signOut.hidden = true;
  banner.hidden = true;
  await askToken(main, nodeId, reason);
  signingIn = false;
  openPanel();
}

async function boot() {
  const h = await health();
  nodeId = h ? h.node : '';
  setText(nodeLabel, nodeId);
  subscribe(render);
  window.addEventListener('hashchange', () => { if (!signingIn) { route(); main.focus(); } });
  whenUnauthorized(() => {
    forgetToken();
    signIn('This node did not accept the token (401). It may have changed: enter the admin token again.');
  });
  signOut.addEventListener('click', () => { forgetToken(); signIn(null); });
  if (savedToken()) openPanel();
  else signIn(null);
}

boot();
