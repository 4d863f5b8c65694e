// The "Select Server" radio list. Rows are keyed by node id and updated in place: a
// refresh changes a row's name or reachability dot, never which radio is checked, and
// never re-creates an input (so focus and selection stay where the admin left them).

import { h, setText } from './dom.js';

export function createServerList(onChange) {
  const list = h('ul', { class: 'servers' });
  const rows = new Map();  // node id -> {li, input, name, dot, dotText, detail}
  let selected = null;

  function row(node) {
    const id = `server-${node.id}`;
    const input = h('input', { type: 'radio', name: 'server', id, value: node.id,
                               onchange: () => { selected = node.id; onChange(selected); } });
    const name = h('span', { class: 'server-name' });
    const address = h('span', { class: 'muted server-address' });
    const tag = h('span', { class: 'tag' }, '[Local]');
    const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
    const dotText = h('span', { class: 'visually-hidden' });
    const detail = h('span', { class: 'muted server-detail' });
    const li = h('li', { class: 'server', dataset: { node: node.id } },
      input, h('label', { for: id }, dot, dotText, name, address, tag, detail));
    list.appendChild(li);
    const r = { li, input, name, address, tag, dot, dotText, detail };
    rows.set(node.id, r);
    return r;
  }

  function update(nodes) {
    const seen = new Set();
    for (const node of nodes) {
      seen.add(node.id);
      const r = rows.get(node.id) || row(node);
      setText(r.name, node.name || node.id);
      setText(r.address, node.address ? ` (${node.address})` : '');
      r.tag.hidden = !node.local;
      // This node is the other end of every sync, so it cannot be the selected server.
      r.input.disabled = Boolean(node.local);
      r.li.classList.toggle('local', Boolean(node.local));
      const state = node.local ? 'local' : node.reachable ? 'reachable' : 'unreachable';
      r.dot.className = `dot ${state}`;
      setText(r.dotText, node.local ? 'this server' : node.reachable ? 'reachable' : 'unreachable');
      setText(r.detail, node.local ? '' : node.reachable ? '' : node.detail || 'unreachable');
      r.input.checked = node.id === selected;
    }
    for (const [id, r] of rows) {
      // A peer that left the configuration: keep a selected row (marked), drop others.
      const gone = !seen.has(id);
      r.li.classList.toggle('gone', gone);
      if (gone && id !== selected) {
        r.li.remove();
        rows.delete(id);
      } else if (gone) {
        r.input.disabled = true;
        setText(r.detail, 'no longer a peer of this node');
      }
    }
  }

  return {
    element: list,
    update,
    get selected() { return selected; },
    select(id) {
      selected = id;
      for (const [rid, r] of rows) r.input.checked = rid === id;
    },
  };
}
