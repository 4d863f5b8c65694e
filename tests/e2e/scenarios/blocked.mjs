// A pull into b while an application transaction on b holds a row the restore must
// rewrite (the C++ side holds it for 20 s; stall_after_s is 5): the progress card says
// what holds the sync up and what to do about it, then the sync finishes by itself.

import { nodes, open, waitSignedIn, text, until, check, screenshot, waitSessionState } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { b } = nodes();
  const page = await open(browser, b);
  await waitSignedIn(page);
  await page.check('#server-a');
  await page.check('#dir-pull');
  await page.click('#start');
  await until(async () => /waits for a lock held by process/.test(await text(page, '#progress-alert')),
    'the alert naming the lock holder', 40000);
  const alertText = await text(page, '#progress-alert');
  check(alertText.includes('Held up by another transaction'), 'the alert says the sync is held up');
  check(alertText.includes('application "shop"'), `the alert names the application: ${alertText}`);
  check(alertText.includes('Do not clear the session'), 'the advice says not to clear it');
  await screenshot(page, 'progress-blocked');
  const id = (await page.getAttribute('#progress-detail', 'href')).replace('#/history/', '');
  // Recent Syncs says it in words too, not only by the ring's colour.
  await until(async () => (await page.locator(`#recent-list [data-session="${id}"] .stalled-tag`).count()) > 0,
    'the stalled tag in Recent Syncs', 10000);
  await page.waitForSelector('#progress[data-state="succeeded"]', { timeout: 40000 });
  check(await page.isHidden('#progress-alert'), 'the alert went away once the sync finished');
  await waitSessionState(b, id, ['succeeded'], 10000);
  say(`session ${id} was held up, then succeeded`);
}
