// Every view at phone (390×844) and desktop (1440×900) size without horizontal
// scrolling, including a running sync's progress panel; the Periodic Sync page either
// lists the peer or says plainly that this node does not have it yet. Screenshots of
// each view go to TANDEM_SCREENSHOTS.

import { nodes, open, waitSignedIn, check, screenshot, assertNoHorizontalScroll, api, waitSessionState, until, text, PHONE, DESKTOP } from '../lib/driver.mjs';

// Until the node has GET /api/admin/sync/periodic (404) the page says so; once it has,
// the page shows a card for the peer with its numbers and a pause/resume button.
async function periodicOk(page, node, peer) {
  const r = await api(node, 'GET', '/api/admin/sync/periodic');
  const listed = r.status === 200 && (r.data?.peers || []).some((p) => p.peer === peer.id);
  const want = r.status === 404 ? '#periodic-unavailable' : listed ? `.periodic-peer[data-peer="${peer.id}"]` : '#periodic-none';
  check(r.status === 404 || r.status === 200, `GET /api/admin/sync/periodic answered ${r.status}: ${JSON.stringify(r.data)}`);
  await page.waitForSelector(want, { timeout: 10000 }).catch(async () => {
    throw new Error(`no ${want} on the Periodic Sync page (API ${r.status}); it shows: ${await text(page, 'main')}`);
  });
  if (r.status === 404) {
    check((await text(page, '#periodic-unavailable')).includes('not available on this node yet'), 'periodic 404 is said plainly');
  } else if (listed) {
    check(await page.isVisible('#periodic-toggle'), 'pause/resume is offered');
    const card = await text(page, `.periodic-peer[data-peer="${peer.id}"]`);
    for (const word of [peer.name, 'Last round', 'Lag', 'Pending', 'Conflicts']) check(card.includes(word), `the peer card shows ${word}: ${card}`);
  }
}

export async function run(browser, say) {
  const { a, b } = nodes();
  // One finished session so lists and details have content.
  const started = await api(b, 'POST', '/api/admin/sync/full-sync', { action: 'pull', targetPeer: { nodeId: 'a' } });
  check(started.status === 202, `start: ${JSON.stringify(started)}`);
  const id = started.data.sessionId;
  await waitSessionState(b, id, ['succeeded'], 60000);

  for (const [size, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    const login = await open(browser, b, { viewport, signIn: false });
    await login.waitForSelector('#token');
    await assertNoHorizontalScroll(login, `sign-in (${size})`);
    await screenshot(login, `sign-in-${size}`);
    await login.context().close();

    const page = await open(browser, b, { viewport });
    await waitSignedIn(page);
    await page.check('#server-a');
    await page.check('#dir-push');
    await page.click('details.advanced summary');
    await page.check('#opt-mirror');
    check(await page.isVisible('#mirror-warning'), 'mirror shows its warning');
    await page.waitForSelector(`#recent-list [data-session="${id}"]`);
    await assertNoHorizontalScroll(page, `full sync (${size})`);
    await screenshot(page, `full-sync-${size}`);

    await page.click('a[data-view="history"]');
    await page.waitForSelector(`#history-list [data-session="${id}"]`);
    await page.selectOption('#filter-state', 'failed');
    await until(async () => (await page.locator(`#history-list [data-session="${id}"]`).count()) === 0, 'the state filter to hide it');
    await page.selectOption('#filter-state', 'succeeded');
    await page.selectOption('#filter-peer', 'a');
    await page.waitForSelector(`#history-list [data-session="${id}"]`);
    await assertNoHorizontalScroll(page, `history (${size})`);
    await screenshot(page, `history-${size}`);

    await page.click(`#history-list [data-session="${id}"]`);
    await page.waitForSelector('table.phases');
    await assertNoHorizontalScroll(page, `session detail (${size})`);
    await screenshot(page, `session-detail-${size}`);

    await page.click('a[data-view="periodic"]');
    await periodicOk(page, b, a);
    await assertNoHorizontalScroll(page, `periodic (${size})`);
    await screenshot(page, `periodic-${size}`);
    await page.context().close();
  }

  // The Periodic Sync page with a peer in it (the answer's shape from SPEC.md, served by
  // the browser test in case this node's peers list is empty): figures and pause.
  const sample = { peers: [{ peer: 'a', name: 'Server A', state: 'running', lastRoundAt: new Date(Date.now() - 20000).toISOString(),
    lagSeconds: 1.5, pending: 3, applied: 120, conflicts: 2, quarantined: 0, lastError: null }] };
  const fake = await open(browser, b, { viewport: PHONE });
  await fake.route('**/api/admin/sync/periodic', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(sample) }));
  await waitSignedIn(fake);
  await fake.click('a[data-view="periodic"]');
  await fake.waitForSelector('.periodic-peer[data-peer="a"]');
  const card = await text(fake, '.periodic-peer[data-peer="a"]');
  for (const want of ['Server A', 'Running', 'just now', '2 seconds', '120', 'Conflicts2']) check(card.includes(want), `the peer card shows "${want}": ${card}`);
  check((await text(fake, '#periodic-toggle')) === 'Pause periodic sync', 'pause is offered');
  await assertNoHorizontalScroll(fake, 'periodic with a peer (phone)');
  await fake.context().close();

  // A running sync's progress panel on a phone (slow, then cancelled through the API).
  // Mirror mode: b already equals a, and a merge would ship only the key ranges that
  // differ (none); mirror ships every row, so the transfer lasts.
  const slow = await api(a, 'POST', '/api/admin/sync/full-sync', { action: 'push', targetPeer: { nodeId: 'b' }, options: { mode: 'mirror', compressionEnabled: false, bandwidthLimitMBps: 0.04 } });
  check(slow.status === 202, `start a push: ${JSON.stringify(slow)}`);
  const page = await open(browser, a, { viewport: PHONE });
  await waitSignedIn(page);
  await page.waitForSelector('#progress[data-state="running"]');
  await until(async () => /Transferring/.test(await text(page, '#progress-step')), 'the transfer step', 30000);
  await page.click('#progress-log summary');
  await assertNoHorizontalScroll(page, 'progress (phone)');
  await screenshot(page, 'progress-phone');
  await api(a, 'POST', `/api/admin/sync/full-sync/${slow.data.sessionId}/cancel`);
  await waitSessionState(a, slow.data.sessionId, ['cancelled'], 20000);
  say('no horizontal scroll at 390×844 or 1440×900 on any view');
}
