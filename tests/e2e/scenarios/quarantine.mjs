// Two of a's product changes broke a constraint only b has (the C++ side set it up), so
// b quarantined them. b's Periodic Sync page lists them on a's card with the reason; a
// retry while the cause is still there is refused and the card says why, as is "Retry
// all"; a discard asks first, then the change is gone from the node. The list fits a
// phone's width.

import { nodes, openPeriodic, text, until, check, screenshot, api, assertNoHorizontalScroll, PHONE } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { a, b } = nodes();
  const { page, card } = await openPeriodic(browser, b, a);
  const items = `${card} .quarantine-list li`;
  await until(async () => (await page.locator(items).count()) === 2, 'two quarantined changes on the card', 30000);
  const held = (await api(b, 'GET', '/api/admin/sync/periodic/quarantine')).data;
  check(held.total === 2, `the node holds two: ${JSON.stringify(held)}`);
  const [first, second] = held.changes;
  const firstItem = `${items}[data-quarantined="${first.id}"]`;
  const shown = await text(page, firstItem);
  check(shown.includes('public.products (id 5): update from Server A'), `the row and what it was: ${shown}`);
  check(shown.includes('violates check constraint "price_cap"'), `why it failed: ${shown}`);
  check(!shown.includes('ERROR:'), `the error reads without its tag: ${shown}`);
  check((await text(page, `${card} .stats`)).includes('Quarantined2'), 'the card counts them');

  await page.click(`${firstItem} button[data-retry]`);
  await until(async () => (await page.locator(`${firstItem} [role="alert"]`).count()) === 1, 'the refused retry explained');
  const refused = await text(page, `${firstItem} [role="alert"]`);
  check(/Retry did not go through: .*still fails/.test(refused), `the retry's refusal: ${refused}`);
  await until(async () => (await text(page, firstItem)).includes('retried 1 time'), 'the retry counted');
  await screenshot(page, 'periodic-quarantine');

  // Retry all: the cause still stands, so both rows are tried and both still fail.
  await page.click(`${card} button.retry-all`);
  await until(async () => /Retried 2 rows from Server A/.test(await text(page, '.page [role="status"]')), 'the retry-all summary');
  const summary = await text(page, '.page [role="status"]');
  check(summary.includes('0 applied, 2 still failing, 0 refused'), `what retry all did: ${summary}`);
  await until(async () => (await text(page, firstItem)).includes('retried 2 times'), 'both retries counted');

  const secondItem = `${items}[data-quarantined="${second.id}"]`;
  await page.click(`${secondItem} button[data-discard]`);
  await page.waitForSelector('dialog[open] #confirm-title');
  check((await text(page, '#confirm-body')).includes('public.products (id 6)'), 'the dialog names the change');
  check(await page.evaluate(() => document.activeElement.id) === 'confirm-no', 'the safe choice has the focus');
  await page.click('#confirm-no');
  await page.waitForSelector('dialog', { state: 'detached' });
  check((await api(b, 'GET', '/api/admin/sync/periodic/quarantine')).data.total === 2, '"Keep it" kept it');
  await page.click(`${secondItem} button[data-discard]`);
  await page.click('#confirm-yes');
  await until(async () => (await page.locator(items).count()) === 1, 'the discarded change gone from the card');
  check((await text(page, '.page [role="status"]')).includes('Discarded: public.products (id 6)'), 'the page says what was discarded');
  const left = (await api(b, 'GET', '/api/admin/sync/periodic/quarantine')).data;
  check(left.total === 1 && left.changes[0].id === first.id, `only the first is left: ${JSON.stringify(left)}`);
  await page.context().close();

  const { page: phone } = await openPeriodic(browser, b, a, { viewport: PHONE });
  await phone.waitForSelector(items);
  await assertNoHorizontalScroll(phone, 'periodic with a quarantined change (phone)');
  await phone.context().close();
  say(`listed two, retry refused while the cause stands ("${refused.slice(0, 60)}…"), one discarded after confirming`);
}
