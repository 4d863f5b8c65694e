// Periodic sync resolved a conflict (the C++ side changed one product on both nodes while
// periodic sync was paused): b's Periodic Sync page lists it on a's card, naming the row,
// whose version was kept and by which rule.

import { nodes, openPeriodic, text, until, check, screenshot } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { a, b } = nodes();
  const { page, card } = await openPeriodic(browser, b, a);
  const item = `${card} .conflict-list li`;
  await until(async () => (await page.locator(item).count()) > 0, 'a conflict listed on the card', 30000);
  const shown = await text(page, item);
  check(shown.includes('public.products (id 5)'), `the row is named: ${shown}`);
  check(/kept Server [AB]'s version, the later change wins/.test(shown), `the outcome and the rule: ${shown}`);
  await screenshot(page, 'periodic-conflicts');
  say(`the card lists the conflict: ${shown}`);
}
