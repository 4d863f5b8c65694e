// The peer's changes that failed to apply on this node and wait for an admin (GET
// /api/admin/sync/periodic/quarantine?peer=…), listed on the peer's card of the Periodic
// Sync page: which row, what failed and why, and two buttons. Retry applies the change
// again (refused while the cause is still there, or when the row has changed since);
// Discard drops it after a confirmation. "Retry all" retries every row's newest change
// (after fixing a cause many share). The page does the requests (periodic.js), so that
// what a button said survives the page's refreshes.

import { h } from './dom.js';
import { nodeName } from './store.js';
import { ago, keyText } from './format.js';

const OPS = { insert: 'insert', update: 'update', delete: 'deletion' };

// A PostgreSQL error as two lines: what failed, without its "ERROR:  " tag, and its
// DETAIL (often the useful half: "Key (sku)=(X) already exists."), when it has one.
function errorLines(error) {
  const lines = String(error ?? '').split('\n');
  const detail = lines.find((l) => l.startsWith('DETAIL:'));
  return [lines[0].replace(/^ERROR:\s+/, ''), detail ? detail.replace(/^DETAIL:\s+/, '') : null];
}

// "public.products (id 5): update from Server A"
export function changeText(c) {
  return `${c.table} (${keyText(c.key)}): ${OPS[c.op] ?? c.op} from ${nodeName(c.origin ?? c.peer)}`;
}

// Runs `work` with `buttons` disabled, so a second click cannot send the request twice.
async function busy(buttons, work) {
  for (const b of buttons) b.disabled = true;
  try { await work(); } finally { for (const b of buttons) b.disabled = false; }
}

function item(c, note, act) {
  const retry = h('button', { type: 'button', class: 'small', dataset: { retry: String(c.id) },
    'aria-label': `Retry ${changeText(c)}`, onclick: () => busy([retry, discard], () => act(c, 'retry')) }, 'Retry');
  const discard = h('button', { type: 'button', class: 'small danger', dataset: { discard: String(c.id) },
    'aria-label': `Discard ${changeText(c)}`, onclick: () => busy([retry, discard], () => act(c, 'discard')) }, 'Discard');
  const when = `quarantined ${ago(c.quarantinedAt)}${c.retries ? `, retried ${c.retries} ${c.retries === 1 ? 'time' : 'times'}` : ''}`;
  const [error, detail] = errorLines(c.error);
  return h('li', { dataset: { quarantined: String(c.id) } },
    h('strong', {}, changeText(c)),
    h('span', { class: 'muted' }, ` · ${when}`),
    h('span', { class: 'block error-line' }, error),
    detail ? h('span', { class: 'block muted detail-line' }, detail) : null,
    note ? h('span', { class: 'block alert failed', role: 'alert' }, note) : null,
    h('span', { class: 'row-actions' }, retry, discard));
}

// `held`: {total, changes}; `notes`: change id -> what its last retry or discard said;
// `act(change, 'retry' | 'discard')`, and `act(null, 'retry-all')`. Nothing when none is held.
export function quarantineList(held, notes, act) {
  const changes = Array.isArray(held?.changes) ? held.changes : [];
  if (!changes.length) return null;
  const total = Number(held.total) || changes.length;
  const all = total > 1
    ? h('button', { type: 'button', class: 'small retry-all', onclick: () => busy([all], () => act(null, 'retry-all')) }, 'Retry all')
    : null;
  return h('div', { class: 'quarantine' },
    h('div', { class: 'quarantine-head' }, h('h3', {}, `Quarantined changes (${total})`), all),
    h('p', { class: 'muted small' }, 'These changes from the peer failed to apply on this server. Remove the cause ' +
      'the error names, then retry; discard a change that no longer matters. A retry is refused once the row ' +
      'has changed here, since the change is then older than the row.'),
    h('ul', { class: 'quarantine-list' }, changes.map((c) => item(c, notes.get(c.id), act))),
    total > changes.length
      ? h('p', { class: 'muted small' }, `The oldest ${changes.length} of ${total} are shown (tandemctl periodic quarantine lists them too).`)
      : null);
}
