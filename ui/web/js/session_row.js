// One session as a line: status icon (with its word for screen readers), "Server B →
// This", and when. Shared by Recent Syncs and the History page so both read the same.

import { h } from './dom.js';
import { flow } from './store.js';
import { ago, stateInfo } from './format.js';

export function statusBadge(state, stalled = false) {
  const info = stateInfo(state);
  const label = stalled ? `${info.label} (stalled)` : info.label;
  return h('span', { class: `status ${info.cls}${stalled ? ' stalled' : ''}`, title: label },
    h('span', { class: 'state-icon', 'aria-hidden': 'true' }, info.icon),
    h('span', { class: 'visually-hidden' }, label));
}

export function sessionLink(s, now = Date.now()) {
  return h('a', { class: 'session-link', href: `#/history/${encodeURIComponent(s.id)}`, dataset: { session: s.id, state: s.state } },
    statusBadge(s.state, s.stalled),
    h('span', { class: 'flow' }, flow(s)),
    // In words, not only the ring's colour: a stalled sync is what the admin must act on.
    s.stalled ? h('span', { class: 'pill warning stalled-tag', 'aria-hidden': 'true' }, 'stalled') : null,
    h('time', { class: 'when muted', datetime: s.startedAt || '' }, ago(s.finishedAt || s.startedAt, now)));
}

// A cheap signature of a session list: re-render only when it changed, so links keep
// their focus across refreshes.
export function signature(sessions) {
  return sessions.map((s) => `${s.id}:${s.state}:${s.stalled}`).join(',');
}
