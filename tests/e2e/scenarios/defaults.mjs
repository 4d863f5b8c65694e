// The form starts from the node's own settings (full_sync.compression, verify and
// bandwidth_limit_mbps, here all changed on b): a node set not to compress or verify is
// not overridden by the panel, and once the admin changes a box, refreshes keep it.

import { nodes, open, waitSignedIn, until, check, api, waitSessionState } from '../lib/driver.mjs';

const refreshes = (page) => page.evaluate(() => Number(document.body.dataset.refreshes || 0));

export async function run(browser, say) {
  const { b } = nodes();
  const page = await open(browser, b);
  await waitSignedIn(page);
  await until(async () => !(await page.isChecked('#opt-compress')), 'the compress box to follow the node (off)');
  check(!(await page.isChecked('#opt-verify')), 'the verify box follows the node (off)');
  check((await page.getAttribute('#opt-bandwidth', 'placeholder')) === '50', 'the bandwidth field shows the node\'s cap');

  await page.check('#opt-verify');
  const seen = await refreshes(page);
  await until(async () => (await refreshes(page)) >= seen + 2, 'two data refreshes');
  check(await page.isChecked('#opt-verify'), 'refreshes kept the admin\'s choice');
  check(!(await page.isChecked('#opt-compress')), 'and the node\'s default for the other box');

  await page.check('#server-a');
  await page.check('#dir-pull');
  await page.click('#start');
  await until(async () => !!(await page.getAttribute('#progress-detail', 'href')), 'the started session', 15000);
  const id = (await page.getAttribute('#progress-detail', 'href')).replace('#/history/', '');
  const options = (await api(b, 'GET', `/api/admin/sync/sessions/${id}`)).data.options;
  check(options.compressionEnabled === false, `sent compression off, as the node is set: ${JSON.stringify(options)}`);
  check(options.verifyAfterSync === true, `sent verify on, as the admin chose: ${JSON.stringify(options)}`);
  await waitSessionState(b, id, ['succeeded'], 60000);
  say(`session ${id} ran with the node's compression setting and the admin's verify`);
}
