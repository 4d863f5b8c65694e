// "Recent Syncs": the latest few sessions of this node, newest first.

import { h, fill, setText } from './dom.js';
import { ago } from './format.js';
import { sessionLink, signature } from './session_row.js';

const SHOWN = 5;

export function createRecent() {
  const list = h('ul', { class: 'sessions', id: 'recent-list' });
  const empty = h('p', { class: 'muted', id: 'recent-empty' }, 'No full syncs yet.');
  const element = h('section', { class: 'card recent', 'aria-labelledby': 'recent-title' },
    h('h2', { id: 'recent-title' }, 'Recent Syncs'), list, empty,
    h('p', {}, h('a', { href: '#/history' }, 'All history →')));
  let sig = null;

  return {
    element,
    update(store) {
      const shown = store.sessions.slice(0, SHOWN);
      empty.hidden = shown.length > 0;
      const s = signature(shown) + store.nodes.map((n) => n.name).join();
      if (s !== sig) {
        sig = s;
        fill(list, shown.map((x) => h('li', {}, sessionLink(x))));
      } else {
        // Same sessions: only the relative times move on.
        list.querySelectorAll('time').forEach((t, i) => setText(t, ago(shown[i].finishedAt || shown[i].startedAt)));
      }
    },
  };
}
