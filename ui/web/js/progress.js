// The progress panel of one full sync (SYNC-REDESIGN-PLAN.md mock-up): bar, "Step N of 5:
// …", bytes done / total, MB/s, time remaining, an expandable log, Cancel with a
// confirmation, and at the end the outcome with what to do about an error. Progress
// comes from the SSE stream when the node has one and from polling backup-progress
// every 500 ms otherwise (or when the stream goes quiet).

import { h, fill, setText } from './dom.js';
import { get, post } from './api.js';
import { flow } from './store.js';
import { mb, speed, remaining, stateInfo, isActive } from './format.js';
import { createSessionLog } from './session_log.js';
import { whatToDo } from './advice.js';
import { confirmDialog } from './confirm.js';

const POLL_MS = 500;

export function createProgress({ onFinished, onDismiss }) {
  let id = null;
  let last = null;        // the last progress answer
  let lastPushAt = 0;     // when the event stream last brought this session's progress
  let timer = null;

  const title = h('h2', { id: 'progress-title' });
  const icon = h('span', { class: 'state-icon', 'aria-hidden': 'true' });
  const flowText = h('p', { class: 'flow', id: 'progress-flow' });
  const fillBar = h('div', { class: 'fill' });
  const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-labelledby': 'progress-title' }, fillBar);
  const percent = h('span', { class: 'percent', id: 'progress-percent' });
  const step = h('p', { class: 'step', id: 'progress-step', 'aria-live': 'polite' });
  const bytes = h('p', { class: 'bytes', id: 'progress-bytes' });
  const eta = h('p', { class: 'eta', id: 'progress-eta' });
  const alert = h('div', { class: 'alert', id: 'progress-alert', role: 'alert', hidden: true });
  const log = createSessionLog();
  const cancel = h('button', { type: 'button', class: 'danger', id: 'cancel', onclick: () => askCancel() }, 'Cancel Sync');
  const dismiss = h('button', { type: 'button', id: 'dismiss', onclick: () => { stop(); card.hidden = true; onDismiss(id); } }, 'Dismiss');
  const detailLink = h('a', { id: 'progress-detail' }, 'Session details');
  const card = h('section', { class: 'card progress', id: 'progress', 'aria-labelledby': 'progress-title', hidden: true },
    h('div', { class: 'title-row' }, icon, title),
    flowText,
    h('div', { class: 'bar-row' }, bar, percent),
    step, bytes, eta, alert, log.element,
    h('div', { class: 'actions' }, cancel, dismiss, detailLink));

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  async function poll() {
    timer = null;
    const followed = id;
    // Skip the round trip while the event stream is delivering.
    if (Date.now() - lastPushAt > 2 * POLL_MS) {
      const a = await get(`/api/sync/backup-progress?sessionId=${encodeURIComponent(followed)}`);
      if (followed !== id) return;
      if (a.ok) show(a.data);
      else if (a.status !== 401) showAlert('failed', `Cannot read the progress: ${a.error}`, 'The panel keeps trying.');
    }
    if (followed === id && (!last || isActive(last.state))) timer = setTimeout(poll, POLL_MS);
  }

  function showAlert(cls, message, advice) {
    alert.hidden = !message;
    alert.className = `alert ${cls}`;
    fill(alert, message ? h('strong', { class: 'block' }, message) : null, advice ? h('span', { class: 'block' }, advice) : null);
  }

  function show(p) {
    const wasActive = !last || isActive(last.state);
    last = p;
    const active = isActive(p.state);
    const info = stateInfo(p.state);
    card.dataset.state = p.state;
    card.className = `card progress ${info.cls}`;
    setText(icon, info.icon);
    setText(title, active ? 'Full Sync in Progress' : `Full Sync ${info.label}`);
    setText(flowText, flow(p, 'This Server'));
    const pct = Math.max(0, Math.min(100, Math.floor(Number(p.progress) || 0)));
    fillBar.style.width = `${pct}%`;
    bar.setAttribute('aria-valuenow', String(pct));
    setText(percent, `${pct}%`);
    const text = p.currentStep || `Step ${p.step} of ${p.totalSteps}: ${p.phase}…`;
    setText(step, text);
    setText(bytes, active && p.totalBytes ? `${mb(p.bytesTransferred)} / ${mb(p.totalBytes)} · ${speed(p.transferSpeed)}` : '');
    bytes.hidden = !bytes.textContent;
    setText(eta, active ? remaining(p.estimatedTimeRemaining) : '');
    eta.hidden = !active;
    log.observe(p);
    if (p.state === 'failed') showAlert('failed', p.error || 'The full sync failed.', whatToDo(p.error, p));
    else if (p.state === 'cancelled') showAlert('cancelled', 'Cancelled. Both nodes stopped and the target was left as it was.', '');
    else if (p.stalled && p.blockedBy) showAlert('warning', `Held up by another transaction: ${p.blockedBy}.`, whatToDo(p.blockedBy, p));
    else if (p.stalled) showAlert('warning', 'No progress for a while: the job may be stuck.', whatToDo('stalled', p));
    else showAlert('', null);
    cancel.hidden = !active;
    cancel.disabled = p.detailedState === 'cancelling';
    dismiss.hidden = active;
    if (wasActive && !active) {
      log.loadServerLog(id);
      onFinished(p);
    }
  }

  async function askCancel() {
    const ok = await confirmDialog({
      title: 'Cancel this full sync?',
      body: `${flowText.textContent}: both nodes stop, their spool files are removed and the target is left as it was.`,
      confirm: 'Cancel sync', keep: 'Keep syncing',
    });
    if (!ok || !last || !isActive(last.state)) return;
    cancel.disabled = true;
    setText(step, 'Cancelling…');
    const a = await post(`/api/admin/sync/full-sync/${encodeURIComponent(id)}/cancel`);
    if (!a.ok && a.status !== 401) {
      showAlert('failed', `Cancel refused: ${a.error}`, 'The sync may have just finished; see its state above.');
      cancel.disabled = false;
    }
    if (!timer) poll();
  }

  return {
    element: card,
    get sessionId() { return id; },
    get active() { return Boolean(id) && (!last || isActive(last.state)); },
    follow(sessionId) {
      if (sessionId === id) return;
      stop();
      id = sessionId;
      last = null;
      lastPushAt = 0;
      card.hidden = false;
      detailLink.href = `#/history/${encodeURIComponent(id)}`;
      log.reset(id);
      setText(title, 'Full Sync in Progress');
      setText(step, 'Waiting to start');
      poll();
    },
    // A progress object from the event stream.
    push(p) {
      if (!id || !p || p.sessionId !== id) return;
      lastPushAt = Date.now();
      show(p);
    },
  };
}
