// Building the DOM. Text from the API always goes in as text nodes (textContent), never
// as markup, so nothing a node, peer or error message contains can become HTML.

// h('button', {class: 'primary', onclick: fn, 'aria-label': 'x'}, 'Start', child, ...)
// Attributes: `class`, `for`, `dataset` (object), `on<event>` (function), boolean and
// value properties (checked, disabled, hidden, value, open), anything else as attribute.
const PROPERTIES = new Set(['checked', 'disabled', 'hidden', 'value', 'open', 'selected', 'required']);

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false && !PROPERTIES.has(name)) continue;
    if (name === 'class') el.className = value;
    else if (name === 'for') el.htmlFor = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (PROPERTIES.has(name)) el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Replaces all children of `el`.
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Sets text only when it changed, so screen readers and selections are not disturbed
// by refreshes that bring the same value.
export function setText(el, text) {
  const t = String(text ?? '');
  if (el.textContent !== t) el.textContent = t;
}

let nextId = 0;
export function uid(prefix) {
  nextId += 1;
  return `${prefix}-${nextId}`;
}
