// A modal confirmation (native <dialog>: focus moves into it, Escape means "keep"),
// resolving to true only when the admin picks the confirming button.

import { h } from './dom.js';

export function confirmDialog({ title, body, confirm, keep }) {
  return new Promise((resolve) => {
    const yes = h('button', { type: 'button', class: 'danger', id: 'confirm-yes' }, confirm);
    const no = h('button', { type: 'button', id: 'confirm-no' }, keep);
    const dialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', { id: 'confirm-body' }, body),
      h('div', { class: 'actions' }, no, yes));
    let answer = false;
    yes.addEventListener('click', () => { answer = true; dialog.close(); });
    no.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer); });
    document.body.appendChild(dialog);
    dialog.showModal();
    no.focus();  // the safe choice has the focus, so a stray Enter changes nothing
  });
}
