// b (the older copy) pulls from a through b's panel: the flow reads "Server A → This
// server", the step text moves through the phases, the bar reaches 100 %, and the
// finished session shows in the history of both nodes' panels.

import { nodes, open, waitSignedIn, text, until, check, screenshot, api } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { a, b } = nodes();
  const page = await open(browser, b);
  await waitSignedIn(page);
  await page.waitForSelector('#server-a');
  check(await page.isDisabled('#server-b'), 'this node (b) must not be selectable as the other end');
  check((await text(page, '[data-node="b"] label')).includes('[Local]'), 'this node is marked [Local]');
  check(await page.isDisabled('#start'), 'Start is disabled before a server and a direction are chosen');

  await page.check('#server-a');
  await page.check('#dir-pull');
  const summary = await text(page, '#flow-summary');
  check(summary.includes('Server A → This server (Server B)'), `Source → Target spelled out, got "${summary}"`);
  await page.click('details.advanced summary');
  await page.uncheck('#opt-compress');     // more bytes on the wire, and it exercises the option
  await page.fill('#opt-bandwidth', '0.5');  // slow enough to watch the transfer, and it exercises the cap
  await screenshot(page, 'full-sync-form');

  await page.click('#start');
  await page.waitForSelector('#progress:not([hidden])');
  await page.click('#progress-log summary');  // the detailed log, open while the sync runs
  const serverLines = [];                      // its session-log lines, sampled while running
  const steps = [];
  const percents = [];
  let midShot = false;
  const final = await until(async () => {
    const state = await page.getAttribute('#progress', 'data-state');
    const step = await text(page, '#progress-step');
    const pct = parseInt(await text(page, '#progress-percent'), 10);
    if (step && steps[steps.length - 1] !== step) steps.push(step);
    if (Number.isFinite(pct)) percents.push(pct);
    if (state === 'running') serverLines.push(await page.locator('#progress-log .server-log li').count());
    // The transfer, once its bytes are known: "0.12 MB / 0.80 MB · 0.50 MB/s".
    const bytes = !midShot && state === 'running' && /Transferring/.test(step) ? await text(page, '#progress-bytes') : '';
    if (/^\d+\.\d+ MB \/ \d+\.\d+ MB · \d+\.\d+ MB\/s$/.test(bytes) && pct > 0) {
      midShot = true;
      check(/^Estimat/.test(await text(page, '#progress-eta')), 'time remaining shown');
      await screenshot(page, 'progress-running');
    }
    return state === 'succeeded' || state === 'failed' || state === 'cancelled' ? state : null;
  }, 'the pull to finish', 90000, 100);
  say(`steps seen: ${steps.join(' | ')}`);
  // With the node's event stream the panel is live; without it (404) it polls.
  const ctl = new AbortController();
  const stream = await fetch(`${b.url}/api/admin/sync/events`, { headers: { Authorization: `Bearer ${b.token}` }, signal: ctl.signal });
  ctl.abort();
  const mode = await page.evaluate(() => document.body.dataset.events);
  say(`event stream answered ${stream.status}; the panel is ${mode}`);
  check(mode === (stream.status === 200 ? 'live' : 'polling'), `the panel's event mode "${mode}" fits the node's answer ${stream.status}`);
  check(final === 'succeeded', `the pull ended ${final}: ${await text(page, '#progress')}`);
  check(await text(page, '#progress-percent') === '100%', 'the bar shows 100 %');
  check(await page.getAttribute('[role=progressbar]', 'aria-valuenow') === '100', 'aria-valuenow 100');
  check((await text(page, '#progress-title')) === 'Full Sync Succeeded', 'the title says it succeeded');
  const numbered = [...new Set(steps.filter((s) => /^Step \d of \d: /.test(s)))];
  check(midShot, `the transfer step was seen with its bytes done / total and MB/s: ${JSON.stringify(steps)}`);
  const order = numbered.map((s) => Number(s.match(/^Step (\d)/)[1]));
  check(new Set(order).size >= 3, `at least 3 different "Step N of 5" steps, saw ${JSON.stringify(steps)}`);
  check(order.every((n, i) => i === 0 || n >= order[i - 1]), `steps move forward: ${order}`);
  // The sub-step: the table a phase is at.
  check(steps.some((s) => /^Step \d of 5: Restoring… \(public\./.test(s)), `restore names its table: ${JSON.stringify(steps)}`);
  check(steps.some((s) => /^Step 1 of 5: Backing up… \(public\./.test(s)), `the source's backup names its table: ${JSON.stringify(steps)}`);
  check(percents.every((p, i) => i === 0 || p >= percents[i - 1]), `the bar never goes back: ${percents.join(',')}`);

  check(serverLines.length > 0 && Math.max(...serverLines) > Math.min(...serverLines),
    `the open session log gained lines while the sync ran: ${[...new Set(serverLines)].join(',')}`);
  const logLines = await page.locator('#observed-log li').count();
  check(logLines >= 3, `the detailed log lists the steps (${logLines} lines)`);
  await screenshot(page, 'progress-done');

  // The session id, from the API of b, must be the one the panel followed.
  const list = await api(b, 'GET', '/api/admin/sync/sessions?limit=5');
  const id = list.data.sessions[0].id;
  check((await page.getAttribute('#progress-detail', 'href')) === `#/history/${id}`, 'the panel followed the started session');
  await page.waitForSelector(`#recent-list [data-session="${id}"][data-state="succeeded"]`);
  const recent = await text(page, `#recent-list [data-session="${id}"]`);
  check(recent.includes('Server A → This'), `recent sync reads "Server A → This": ${recent}`);

  await page.click('a[data-view="history"]');
  await page.waitForSelector(`#history-list [data-session="${id}"][data-state="succeeded"]`);
  const historyRow = await text(page, `#history-list li:has([data-session="${id}"])`);
  check(/MB at \d+\.\d+ MB\/s/.test(historyRow), `the history row gives the transfer's speed: ${historyRow}`);
  await page.click(`#history-list [data-session="${id}"]`);
  await page.waitForSelector('table.phases tbody tr');
  check(await page.locator('table.phases tbody tr').count() === 5, 'the detail lists the 5 phases');
  check((await text(page, '.detail-flow')).includes('Server A → This server'), 'detail shows Source → Target');

  // The source's panel shows the same session, seen from a: "This → Server B".
  const pageA = await open(browser, a, { hash: '#/history' });
  await waitSignedIn(pageA);
  await pageA.waitForSelector(`#history-list [data-session="${id}"][data-state="succeeded"]`);
  const onA = await text(pageA, `#history-list [data-session="${id}"]`);
  check(onA.includes('This → Server B'), `a's history reads "This → Server B": ${onA}`);
  // Nothing is stuck once the sync has ended: the panel says so in words, not ids.
  await pageA.click('#clear-stuck');
  await until(async () => (await text(pageA, '#clear-stuck-result')) !== '', 'the clear-stuck answer');
  const cleared = await text(pageA, '#clear-stuck-result');
  check(cleared === 'No stuck session to clear.', `clear-stuck with nothing stuck: "${cleared}"`);
  say(`session ${id} succeeded; in both histories`);
}
