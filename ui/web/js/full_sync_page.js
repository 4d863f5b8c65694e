// The Full Sync tab: the progress panel of the sync being followed (if any), the form,
// and Recent Syncs. Which session is followed survives a page reload (session storage),
// and a sync started elsewhere (the peer's panel, tandemctl) is picked up on refresh.

import { h } from './dom.js';
import { store, refresh } from './store.js';
import { isActive } from './format.js';
import { createFullSyncForm } from './full_sync_form.js';
import { createProgress } from './progress.js';
import { createRecent } from './recent.js';

const FOLLOW_KEY = 'tandem.follow';

export function createFullSyncPage() {
  const progress = createProgress({
    onFinished: () => refresh(),
    onDismiss: () => { sessionStorage.removeItem(FOLLOW_KEY); form.update(store); },
  });
  const follow = (id) => {
    sessionStorage.setItem(FOLLOW_KEY, id);
    progress.follow(id);
    refresh();
  };
  const form = createFullSyncForm({ onStarted: follow, busy: () => progress.active || store.sessions.some((s) => isActive(s.state)) });
  const recent = createRecent();

  const element = h('div', { class: 'page full-sync' },
    h('div', { class: 'main-column' },
      progress.element,
      h('section', { class: 'card', 'aria-labelledby': 'full-sync-title' },
        h('h1', { id: 'full-sync-title' }, 'Full Sync'),
        h('p', { class: 'muted' }, 'Synchronize all data with another server'),
        form.element)),
    h('div', { class: 'side-column' }, recent.element));

  const saved = sessionStorage.getItem(FOLLOW_KEY);
  if (saved) progress.follow(saved);

  return {
    element,
    update(s) {
      const running = s.sessions.find((x) => isActive(x.state));
      if (running && running.id !== progress.sessionId && !progress.active) follow(running.id);
      form.update(s);
      recent.update(s);
    },
    event(type, data) {
      if (data && typeof data === 'object' && data.sessionId) progress.push(data);
    },
  };
}
