// Drives tandem's panel in headless Debian chromium (playwright-core, no bundled
// browser). Every page is watched: a script error, a console error other than a failed
// resource load, or the admin token showing up in any request URL fails the scenario.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1440, height: 900 };

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (panel_test.cpp sets it)`);
  return v;
}

export const nodes = () => ({
  a: { id: 'a', name: 'Server A', url: env('TANDEM_A_URL'), token: env('TANDEM_A_TOKEN') },
  b: { id: 'b', name: 'Server B', url: env('TANDEM_B_URL'), token: env('TANDEM_B_TOKEN') },
});

export class AssertionError extends Error {}
export function check(cond, message) {
  if (!cond) throw new AssertionError(message);
}

export async function launch() {
  // playwright gives each launch a fresh, temporary user-data-dir.
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
}

const problems = [];
export function problemsSeen() {
  return problems.slice();
}

// A fresh context (own session storage) on `node`'s panel; signs in unless told not to.
// noEvents: the node's event stream answers 404, as on a node without it (polling only).
export async function open(browser, node, { viewport = DESKTOP, signIn = true, refreshMs = 0, hash = '', noEvents = false } = {}) {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`${node.id}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) problems.push(`${node.id}: console: ${m.text()}`);
  });
  for (const t of [nodes().a.token, nodes().b.token]) {
    page.on('request', (r) => { if (r.url().includes(t)) problems.push(`token in a URL: ${r.url()}`); });
  }
  if (noEvents) {
    await page.route('**/api/admin/sync/events', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"no such route"}' }));
  }
  if (refreshMs) await page.addInitScript((ms) => sessionStorage.setItem('tandem.refreshMs', String(ms)), refreshMs);
  await page.goto(`${node.url}/${hash}`);
  if (signIn) await signInAs(page, node.token);
  return page;
}

export async function signInAs(page, token) {
  await page.fill('#token', token);
  await page.click('#sign-in');
}

export async function waitSignedIn(page) {
  await page.waitForSelector('#tabs:not([hidden])');
  await page.waitForFunction(() => Number(document.body.dataset.refreshes || 0) >= 1);
}

// `node`'s Periodic Sync page, signed in, and the selector of `peer`'s card on it.
export async function openPeriodic(browser, node, peer, options = {}) {
  const page = await open(browser, node, options);
  await waitSignedIn(page);
  await page.click('a[data-view="periodic"]');
  return { page, card: `.periodic-peer[data-peer="${peer.id}"]` };
}

export async function text(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}

// Polls `fn` (async, returns truthy when done) every `stepMs` until `timeoutMs`.
export async function until(fn, what, timeoutMs = 30000, stepMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new AssertionError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

// The whole page, or only the viewport (a modal dialog's backdrop covers only that).
export async function screenshot(page, name, { fullPage = true } = {}) {
  const dir = env('TANDEM_SCREENSHOTS');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage });
}

// No horizontal scrolling: the document is no wider than the viewport.
export async function assertNoHorizontalScroll(page, what) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  check(scroll <= width, `${what}: page is ${scroll}px wide in a ${width}px viewport (horizontal scroll)`);
}

// The node's API, as a script would call it (for setting up and cross-checking).
export async function api(node, method, p, body) {
  const res = await fetch(`${node.url}${p}`, {
    method, headers: { Authorization: `Bearer ${node.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, data: await res.json().catch(() => null) };
}

export async function waitSessionState(node, id, states, timeoutMs = 60000) {
  return until(async () => {
    const r = await api(node, 'GET', `/api/sync/backup-progress?sessionId=${id}`);
    return states.includes(r.data?.state) ? r.data : null;
  }, `${id} on ${node.id} to reach ${states}`, timeoutMs, 200);
}
