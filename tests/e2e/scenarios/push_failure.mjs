// Pushes from a's panel: to b, which succeeds, then to c, a peer in a's config whose
// tandemd is not running: the session waits for it, gives up after a's retry limit, and
// the panel says why and what to do. Recent Syncs shows both outcomes.

import { nodes, open, waitSignedIn, text, until, check, screenshot, waitSessionState } from '../lib/driver.mjs';

async function push(page, to) {
  await page.check(`#server-${to}`);
  await page.check('#dir-push');
  const summary = await text(page, '#flow-summary');
  check(summary.includes(`This server (Server A) → Server ${to.toUpperCase()}`), `the summary reads This → Server ${to.toUpperCase()}: ${summary}`);
  const before = await page.getAttribute('#progress-detail', 'href').catch(() => null);
  await page.click('#start');
  await until(async () => {
    const href = await page.getAttribute('#progress-detail', 'href').catch(() => null);
    return href && href !== before;
  }, 'the started session', 15000);
  return (await page.getAttribute('#progress-detail', 'href')).replace('#/history/', '');
}

export async function run(browser, say) {
  const { b } = nodes();
  const page = await open(browser, nodes().a);
  await waitSignedIn(page);

  const first = await push(page, 'b');
  await page.waitForSelector('#progress[data-state="succeeded"]', { timeout: 60000 });
  await waitSessionState(b, first, ['succeeded'], 10000);
  await page.waitForSelector(`#recent-list [data-session="${first}"][data-state="succeeded"]`);
  const okRow = await text(page, `#recent-list [data-session="${first}"]`);
  check(okRow.includes('This → Server B'), `Recent Syncs reads This → Server B: ${okRow}`);

  const second = await push(page, 'c');
  await page.waitForSelector('#progress[data-state="failed"]', { timeout: 60000 });
  const alertText = await text(page, '#progress-alert');
  check(/peer c is unreachable/.test(alertText), `the error names the peer and why: ${alertText}`);
  check(/gave up after/.test(alertText), `the error says it retried first: ${alertText}`);
  check(alertText.includes('Check that tandemd runs on the other server'), `the advice says what to check: ${alertText}`);
  await screenshot(page, 'progress-failed');
  await page.waitForSelector(`#recent-list [data-session="${second}"][data-state="failed"]`);
  const failedRow = await text(page, `#recent-list [data-session="${second}"]`);
  check(failedRow.includes('This → Server C'), `Recent Syncs reads This → Server C: ${failedRow}`);
  say(`push ${first} to b succeeded; push ${second} to c failed and said why`);
}
