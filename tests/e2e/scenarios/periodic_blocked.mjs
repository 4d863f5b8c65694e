// b's periodic round with a waits for a row an application transaction on b holds (the
// C++ side holds it for the whole scenario): the Periodic Sync page's card for a says
// what holds the round up and what to do.

import { nodes, openPeriodic, text, until, check, screenshot } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { a, b } = nodes();
  const { page, card } = await openPeriodic(browser, b, a);
  await page.waitForSelector(card, { timeout: 10000 });
  await until(async () => /waits for a lock held by process/.test(await text(page, card)),
    'the peer card naming the lock holder', 30000);
  const shown = await text(page, `${card} [data-blocked]`);
  check(shown.includes('Held up by another transaction: periodic apply a waits for a lock'), `the card says it is held up: ${shown}`);
  check(shown.includes('application "shop"'), `the card names the application: ${shown}`);
  check(shown.includes('pg_terminate_backend'), 'the card says what to do');
  await screenshot(page, 'periodic-blocked');
  say('the periodic card shows what holds the round up');
}
