// The Full Sync form (SYNC-REDESIGN-PLAN.md mock-up): server, direction, the resulting
// "Source → Target" spelled out, options, Start. The admin's choices live here and in
// session storage only; data refreshes update the server list's labels, never them.

import { h, fill, setText } from './dom.js';
import { post } from './api.js';
import { store, nodeName } from './store.js';
import { createServerList } from './server_list.js';

const SELECTION_KEY = 'tandem.fullSync.selection';

function loadSelection() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SELECTION_KEY) || '{}');
    return { peer: typeof s.peer === 'string' ? s.peer : null, direction: s.direction === 'pull' || s.direction === 'push' ? s.direction : null };
  } catch {
    return { peer: null, direction: null };
  }
}

function checkbox(id, label, checked, hint) {
  const input = h('input', { type: 'checkbox', id, checked });
  return { input, el: h('div', { class: 'check' }, input, h('label', { for: id }, label, hint ? h('span', { class: 'muted' }, ` ${hint}`) : null)) };
}

function radio(name, value, id, label) {
  const input = h('input', { type: 'radio', name, value, id });
  return { input, el: h('div', { class: 'check' }, input, h('label', { for: id }, label)) };
}

// onStarted(sessionId) is called after a 202; busy() tells whether a sync is running.
export function createFullSyncForm({ onStarted, busy }) {
  const sel = loadSelection();
  const save = () => sessionStorage.setItem(SELECTION_KEY, JSON.stringify(sel));

  const servers = createServerList((peer) => { sel.peer = peer; save(); render(); });
  servers.select(sel.peer);
  const pull = radio('direction', 'pull', 'dir-pull', 'Pull from selected server → This');
  const push = radio('direction', 'push', 'dir-push', 'Push to selected server ← This');
  for (const d of [pull, push]) {
    d.input.checked = d.input.value === sel.direction;
    d.input.addEventListener('change', () => { sel.direction = d.input.value; save(); render(); });
  }

  const compress = checkbox('opt-compress', 'Compress backup', true, '(faster transfer)');
  const verify = checkbox('opt-verify', 'Verify after sync', true);
  const mirror = checkbox('opt-mirror', 'Mirror mode', false, '(make the target equal to the source)');
  const mirrorWarning = h('p', { class: 'warning', id: 'mirror-warning', hidden: true, role: 'note' });
  mirror.input.addEventListener('change', render);
  mirror.input.setAttribute('aria-describedby', 'mirror-warning');
  const bandwidth = h('input', { type: 'number', id: 'opt-bandwidth', min: '0', step: 'any', inputmode: 'decimal', placeholder: '0', class: 'short' });
  const viaActor = radio('method', 'actor', 'opt-method-actor', 'Actor link (default)');
  const viaHttp = radio('method', 'http', 'opt-method-http', 'HTTP fallback (when the actor port is closed)');
  viaActor.input.checked = true;

  const flowText = h('p', { class: 'flow-summary', id: 'flow-summary', 'aria-live': 'polite' });
  const errorBox = h('div', { class: 'alert failed', id: 'start-error', role: 'alert', hidden: true });
  const start = h('button', { type: 'submit', class: 'primary', id: 'start' }, 'Start Full Sync');
  const hint = h('p', { class: 'muted', id: 'start-hint' });
  start.setAttribute('aria-describedby', 'flow-summary start-hint');

  const form = h('form', { class: 'full-sync-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
    h('fieldset', {}, h('legend', {}, 'Select Server'), servers.element),
    h('fieldset', {}, h('legend', {}, 'Direction'), pull.el, push.el),
    flowText,
    h('fieldset', {}, h('legend', {}, 'Options'), compress.el, verify.el,
      h('details', { class: 'advanced' }, h('summary', {}, 'Advanced'),
        mirror.el, mirrorWarning,
        h('div', { class: 'field' }, h('label', { for: 'opt-bandwidth' }, 'Bandwidth cap (MB/s, 0 or empty: the node\'s setting)'), bandwidth),
        h('fieldset', { class: 'inner' }, h('legend', {}, 'Transport'), viaActor.el, viaHttp.el))),
    errorBox,
    h('div', { class: 'actions' }, start, hint));

  // Source and target of the current choice, or null while incomplete.
  function plan() {
    if (!sel.peer || !sel.direction || !store.local) return null;
    const peer = nodeName(sel.peer);
    const here = `This server (${store.local.name})`;
    return sel.direction === 'pull' ? { source: peer, target: here, targetName: store.local.name, sourceName: peer }
                                     : { source: here, target: peer, targetName: peer, sourceName: store.local.name };
  }

  // The node's defaults, once: after that the boxes are the admin's (a refresh never
  // changes a choice).
  let defaultsShown = false;
  function showDefaults() {
    const d = store.local?.defaults;
    if (defaultsShown || !d) return;
    defaultsShown = true;
    compress.input.checked = d.compressionEnabled !== false;
    verify.input.checked = d.verifyAfterSync !== false;
    if (d.bandwidthLimitMBps > 0) bandwidth.placeholder = String(d.bandwidthLimitMBps);
  }

  function render() {
    showDefaults();
    const p = plan();
    const peerKnown = sel.peer && store.nodes.some((n) => n.id === sel.peer && !n.local);
    if (p) {
      fill(flowText, h('strong', {}, p.source), ' → ', h('strong', {}, p.target),
        h('span', { class: 'muted block' }, `${p.targetName} receives the data of ${p.sourceName}.`));
    } else {
      fill(flowText, h('span', { class: 'muted' }, 'Choose a server and a direction to see Source → Target.'));
    }
    mirrorWarning.hidden = !mirror.input.checked;
    setText(mirrorWarning, p ? `Mirror deletes rows on ${p.targetName} that are not on ${p.sourceName}.`
                             : 'Mirror deletes rows on the target that are not on the source.');
    const running = busy();
    start.disabled = !p || !peerKnown || running;
    setText(hint, running ? 'A full sync is running; wait for it to finish or cancel it.'
      : !sel.peer ? 'Choose a server.' : !peerKnown ? 'The selected server is not a peer of this node.'
      : !sel.direction ? 'Choose a direction.' : '');
  }

  function showError(text, field) {
    errorBox.hidden = !text;
    fill(errorBox, text ? h('strong', {}, 'Could not start: ') : null, text || '', field ? h('span', { class: 'muted' }, ` (${field})`) : null);
  }

  async function submit() {
    if (start.disabled) return;
    const options = { compressionEnabled: compress.input.checked, verifyAfterSync: verify.input.checked,
                      mode: mirror.input.checked ? 'mirror' : 'merge', method: viaHttp.input.checked ? 'http' : 'actor' };
    const cap = bandwidth.value.trim();
    if (cap !== '') {
      const n = Number(cap);
      if (!Number.isFinite(n) || n < 0) {
        showError('the bandwidth cap must be a number of MB/s, 0 or more', 'options.bandwidthLimitMBps');
        bandwidth.focus();
        return;
      }
      if (n > 0) options.bandwidthLimitMBps = n;
    }
    start.disabled = true;
    setText(start, 'Starting…');
    const a = await post('/api/admin/sync/full-sync', { action: sel.direction, targetPeer: { nodeId: sel.peer }, options });
    setText(start, 'Start Full Sync');
    if (a.ok && a.data?.sessionId) {
      showError(null);
      onStarted(a.data.sessionId);
    } else if (a.status === 409 && a.data?.sessionId) {
      showError(`${a.error}. Follow the running sync below, or cancel it first.`);
      onStarted(a.data.sessionId);
    } else if (a.status !== 401) {
      showError(a.error, a.field);
    }
    render();
  }

  return {
    element: form,
    update(s) { servers.update(s.nodes); render(); },
  };
}
