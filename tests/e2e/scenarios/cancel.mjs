// Cancel asks first: "Keep syncing" changes nothing, "Cancel sync" ends the session on
// both nodes, and the panel shows it cancelled (grey) with what that means. The sync
// runs over the HTTP fallback transport (chosen under "advanced").

import { nodes, open, waitSignedIn, text, until, check, screenshot, waitSessionState, api } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { a, b } = nodes();
  // This panel gets no event stream: progress and the end must come by polling alone.
  const page = await open(browser, b, { noEvents: true });
  await waitSignedIn(page);
  await until(async () => (await page.evaluate(() => document.body.dataset.events)) === 'polling', 'the panel to fall back to polling');
  await page.check('#server-a');
  await page.check('#dir-pull');
  await page.click('details.advanced summary');
  await page.uncheck('#opt-compress');
  await page.fill('#opt-bandwidth', '0.04');  // a slow transfer (~10 s) to cancel in the middle of
  await page.check('#opt-method-http');  // this one goes through the HTTP fallback transport
  await page.click('#start');
  await until(async () => /Transferring/.test(await text(page, '#progress-step')), 'the transfer step', 30000);

  await page.click('#cancel');
  await page.waitForSelector('dialog[open] #confirm-title');
  check((await text(page, '#confirm-body')).includes('Server A → This Server'), 'the dialog names the sync');
  await screenshot(page, 'cancel-confirm', { fullPage: false });
  check(await page.evaluate(() => document.activeElement.id) === 'confirm-no', 'the safe choice has the focus');
  await page.click('#confirm-no');
  await page.waitForSelector('dialog', { state: 'detached' });
  await new Promise((r) => setTimeout(r, 1500));
  check(await page.getAttribute('#progress', 'data-state') === 'running', '"Keep syncing" left it running');
  const id = (await page.getAttribute('#progress-detail', 'href')).replace('#/history/', '');
  check((await api(b, 'GET', `/api/sync/backup-progress?sessionId=${id}`)).data.state === 'running', 'still running on the node');
  check((await api(b, 'GET', `/api/admin/sync/sessions/${id}`)).data.options.method === 'http', 'the panel asked for the HTTP fallback');

  await page.click('#cancel');
  await page.keyboard.press('Escape');  // Escape is "keep", too
  await page.waitForSelector('dialog', { state: 'detached' });
  check(await page.getAttribute('#progress', 'data-state') === 'running', 'Escape left it running');

  await page.click('#cancel');
  await page.click('#confirm-yes');
  await page.waitForSelector('#progress[data-state="cancelled"]', { timeout: 30000 });
  check((await text(page, '#progress-title')) === 'Full Sync Cancelled', 'the title says cancelled');
  check((await text(page, '#progress-alert')).includes('left as it was'), 'the panel says the target was left as it was');
  check(await page.isHidden('#cancel'), 'no Cancel button once it ended');
  await screenshot(page, 'progress-cancelled');
  for (const node of [a, b]) await waitSessionState(node, id, ['cancelled'], 20000);
  await page.waitForSelector(`#recent-list [data-session="${id}"][data-state="cancelled"]`);
  say(`session ${id} cancelled on both nodes`);
}
