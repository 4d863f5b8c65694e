// Asks for the admin token once per browser tab (kept in session storage, sent only as a
// bearer header) and checks it against the node before the panel opens. A refused
// token gets a message that says which setting to look at.

import { h, fill } from './dom.js';
import { call, saveToken } from './api.js';

// Resolves once a token has been accepted. `reason` explains why we ask (again).
export function askToken(root, nodeName, reason) {
  return new Promise((resolve) => {
    const input = h('input', { type: 'password', id: 'token', autocomplete: 'current-password', spellcheck: 'false',
                               'aria-describedby': 'token-hint login-error' });
    const error = h('div', { class: 'alert failed', id: 'login-error', role: 'alert', hidden: !reason });
    if (reason) fill(error, reason);
    const submit = h('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Open the panel');
    const form = h('form', { class: 'card login', novalidate: true, 'aria-labelledby': 'login-title' },
      h('h1', { id: 'login-title' }, 'tandem control panel'),
      h('p', { class: 'muted' }, nodeName ? `Node: ${nodeName}` : ''),
      h('div', { class: 'field' },
        h('label', { for: 'token' }, 'Admin token'),
        input,
        h('p', { class: 'muted small', id: 'token-hint' }, 'The http.admin_token of this server\'s tandem.json. Kept in this browser tab only.')),
      error,
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) {
        error.hidden = false;
        fill(error, 'Enter the admin token.');
        input.focus();
        return;
      }
      submit.disabled = true;
      const a = await call('GET', '/api/admin/sync/peers', undefined, token);
      submit.disabled = false;
      if (a.ok) {
        saveToken(token);
        resolve(token);
        return;
      }
      error.hidden = false;
      fill(error, a.status === 401
        ? 'This token was not accepted by this node (401). Check http.admin_token in tandem.json on this server and try again.'
        : `Cannot check the token: ${a.error}`);
      input.select();
      input.focus();
    });
    fill(root, form);
    input.focus();
  });
}
