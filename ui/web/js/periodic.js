// The Periodic Sync page: per peer, the state of the every-30-s change exchange (last
// round, lag, pending and applied changes, conflicts), and pause/resume for this node.
// Reads GET /api/admin/sync/periodic ({peers: [...]}); a node without that route (404)
// says so plainly. Each card also lists the newest conflicts with that peer and how each
// was decided (GET /api/admin/sync/periodic/conflicts), and the peer's changes that failed
// to apply here, with Retry and Discard (quarantine.js).

import { h, fill, setText } from './dom.js';
import { get, post } from './api.js';
import { nodeName } from './store.js';
import { ago, duration, keyText } from './format.js';
import { confirmDialog } from './confirm.js';
import { quarantineList, changeText } from './quarantine.js';

const EVERY_MS = 5000;

// Accept {peers: [...]} (the route's shape) or a bare array.
function peersOf(data) {
  if (Array.isArray(data)) return data;
  return Array.isArray(data?.peers) ? data.peers : [];
}

const STATE = {
  idle: ['ok', 'Idle'], running: ['ok', 'Running'], paused: ['cancelled', 'Paused'],
  paused_full_sync: ['cancelled', 'Paused during a full sync'], peer_unreachable: ['failed', 'Peer unreachable'],
  error: ['failed', 'Error'],
};

const CONFLICTS_SHOWN = 5;

function ruleText(policy) {
  if (policy === 'last_writer_wins') return 'the later change wins';
  const preferred = /^prefer_node:(.+)$/.exec(policy || '');
  return preferred ? `${nodeName(preferred[1])} is preferred` : String(policy || 'unknown rule');
}

// "public.products (id 5): kept Server B's version, the later change wins · 2 min ago"
function conflictItem(c) {
  const kept = c.winner === 'remote' ? c.remote : c.local;
  const what = kept?.row == null ? 'deletion' : 'version';
  return h('li', { dataset: { conflict: String(c.id) } },
    h('strong', {}, `${c.table} (${keyText(c.key)})`),
    `: kept ${nodeName(kept?.origin)}'s ${what}, ${ruleText(c.policy)}`,
    h('span', { class: 'muted' }, ` · ${ago(c.resolvedAt)}`));
}

function conflictList(conflicts) {
  if (!conflicts.length) return null;
  return h('div', { class: 'conflicts' },
    h('h3', {}, 'Recent conflicts'),
    h('ul', { class: 'conflict-list' }, conflicts.map(conflictItem)));
}

const QUARANTINE_SHOWN = 20;

function peerCard(p, conflicts, held, quarantine) {
  const id = p.peer ?? p.id;
  const [cls, label] = STATE[p.state] || ['running', String(p.state ?? 'unknown')];
  const stat = (name, value) => h('div', { class: 'stat' }, h('dt', {}, name), h('dd', {}, value));
  const problem = p.lastError ?? p.error;
  return h('li', { class: 'card periodic-peer', dataset: { peer: id, state: p.state ?? '' } },
    h('h2', {}, p.name || nodeName(id), ' ', h('span', { class: `pill ${cls}` }, label)),
    h('dl', { class: 'stats' },
      stat('Last round', p.lastRoundAt ? ago(p.lastRoundAt) : 'never'),
      stat('Lag', p.lagSeconds != null ? duration(p.lagSeconds) : '—'),
      stat('Pending', p.pending != null ? String(p.pending) : '—'),
      stat('Applied', String(p.applied ?? 0)),
      stat('Conflicts', String(p.conflicts ?? 0)),
      held?.total ? stat('Quarantined', String(held.total)) : null),
    p.blockedBy ? h('p', { class: 'alert warning', dataset: { blocked: '' } },
      h('strong', { class: 'block' }, `Held up by another transaction: ${p.blockedBy}.`),
      h('span', { class: 'block' }, 'Changes from this peer wait until that transaction ends (commit or roll it back in the application, or pg_terminate_backend with the process number).')) : null,
    problem ? h('p', { class: 'alert failed' }, String(problem)) : null,
    quarantine(id, held),
    conflictList(conflicts.filter((c) => c.remote?.origin === id).slice(0, CONFLICTS_SHOWN)));
}

export function createPeriodicPage() {
  const body = h('div', { id: 'periodic-body' }, h('p', { class: 'muted' }, 'Loading…'));
  const message = h('p', { class: 'muted', role: 'status' });
  const toggle = h('button', { type: 'button', id: 'periodic-toggle', hidden: true, onclick: () => act() }, 'Pause periodic sync');
  const element = h('div', { class: 'page' },
    h('section', { class: 'card', 'aria-labelledby': 'periodic-title' },
      h('h1', { id: 'periodic-title' }, 'Periodic Sync'),
      h('p', { class: 'muted' }, 'Changes made on each server are sent to the other every round, in both directions.'),
      body, h('div', { class: 'actions' }, toggle, message)));
  let timer = null;
  let shown = null;    // the last answer rendered: an unchanged one is not re-rendered
  let paused = false;  // every peer paused by the admin
  const notes = new Map();  // quarantined change id -> why its last retry or discard did not go through

  // Every row's newest quarantined change from `peer`, retried; the page says what happened.
  async function retryAll(peer) {
    const a = await post(`/api/admin/sync/periodic/quarantine/retry-all?peer=${encodeURIComponent(peer)}`);
    if (a.status === 401) return;
    const d = a.data || {};
    setText(message, a.ok
      ? `Retried ${d.tried} rows from ${nodeName(peer)}: ${d.applied} applied, ${d.stillFailing} still failing, ` +
        `${d.rowChanged} refused because the row changed since; ${d.remaining} quarantined.`
      : `Could not retry: ${a.error}`);
    shown = null;
    load();
  }

  async function onQuarantined(change, verb) {
    if (verb === 'discard' && !(await confirmDialog({
      title: 'Discard this change?',
      body: `${changeText(change)} will not be applied on this server. The row stays as this server has it.`,
      confirm: 'Discard change', keep: 'Keep it' }))) return;
    const a = await post(`/api/admin/sync/periodic/quarantine/${change.id}/${verb}`);
    if (a.status === 401) return;
    if (a.ok) {
      notes.delete(change.id);
      setText(message, `${verb === 'retry' ? 'Applied' : 'Discarded'}: ${changeText(change)}.`);
    } else {
      // The first line says why; the change's own lines below show the full error.
      notes.set(change.id, `${verb === 'retry' ? 'Retry' : 'Discard'} did not go through: ${String(a.error).split('\n')[0]}`);
    }
    shown = null;
    load();
  }
  const quarantine = (peer, held) => quarantineList(held, notes,
    (change, verb) => (verb === 'retry-all' ? retryAll(peer) : onQuarantined(change, verb)));

  async function act() {
    const action = paused ? 'resume' : 'pause';
    toggle.disabled = true;
    const a = await post(`/api/admin/sync/periodic/${action}`);
    toggle.disabled = false;
    setText(message, a.ok ? `Periodic sync ${action === 'pause' ? 'paused' : 'resumed'} on this node.` : a.status === 401 ? '' : `Could not ${action}: ${a.error}`);
    load();
  }

  async function load() {
    const a = await get('/api/admin/sync/periodic');
    if (a.status !== 200) shown = null;
    toggle.hidden = a.status !== 200;
    if (a.status === 404) {
      fill(body, h('p', { class: 'alert cancelled', id: 'periodic-unavailable' }, 'Periodic sync status is not available on this node yet.'));
    } else if (!a.ok) {
      if (a.status !== 401) fill(body, h('p', { class: 'alert failed', role: 'alert' }, `Cannot read periodic sync: ${a.error}`));
    } else {
      const peers = peersOf(a.data);
      paused = peers.length > 0 && peers.every((p) => p.state === 'paused');
      setText(toggle, paused ? 'Resume periodic sync' : 'Pause periodic sync');
      toggle.hidden = peers.length === 0;
      const c = await get('/api/admin/sync/periodic/conflicts?limit=50');
      const conflicts = c.ok && Array.isArray(c.data?.conflicts) ? c.data.conflicts : [];
      const held = await Promise.all(peers.map(async (p) => {
        const q = await get(`/api/admin/sync/periodic/quarantine?peer=${encodeURIComponent(p.peer ?? p.id)}&limit=${QUARANTINE_SHOWN}`);
        return q.ok ? q.data : null;
      }));
      const sig = JSON.stringify([peers, conflicts, held]);
      if (sig === shown) return;
      shown = sig;
      fill(body, peers.length ? h('ul', { class: 'periodic-list' }, peers.map((p, i) => peerCard(p, conflicts, held[i], quarantine)))
                              : h('p', { class: 'muted', id: 'periodic-none' }, 'This node runs no periodic sync with any peer.'));
    }
  }

  load();
  timer = setInterval(load, EVERY_MS);
  return { element, update: () => {}, destroy: () => clearInterval(timer) };
}
