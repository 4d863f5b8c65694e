// The token is asked once and kept for the tab; a wrong one gets a message that says
// what is wrong and where to look; a token the node stops accepting sends the admin back
// to the sign-in form with a reason. The API refuses calls without a good token.

import { nodes, open, waitSignedIn, text, check, screenshot, PHONE } from '../lib/driver.mjs';

export async function run(browser, say) {
  const { a } = nodes();
  const page = await open(browser, a, { signIn: false, viewport: PHONE });
  await page.waitForSelector('#token');
  check(await page.isHidden('#tabs'), 'no panel before the token');
  await page.click('#sign-in');
  check((await text(page, '#login-error')).includes('Enter the admin token'), 'an empty token is refused with a message');

  await page.fill('#token', 'not-the-token');
  await page.click('#sign-in');
  await page.waitForSelector('#login-error:not([hidden])');
  await page.waitForFunction(() => document.getElementById('login-error').textContent.includes('401'));
  const message = await text(page, '#login-error');
  check(/not accepted/.test(message) && /http\.admin_token/.test(message), `clear message, got "${message}"`);
  check(await page.isHidden('#tabs'), 'the panel stays closed');
  check(await page.evaluate(() => sessionStorage.getItem('tandem.token')) === null, 'a refused token is not kept');
  await screenshot(page, 'bad-token-phone');

  // The API itself: 401 {error} without and with a bad token.
  const answers = await page.evaluate(async () => Promise.all([{}, { Authorization: 'Bearer nope' }].map(async (headers) => {
    const r = await fetch('/api/admin/sync/sessions', { headers });
    return { status: r.status, body: await r.json() };
  })));
  for (const r of answers) check(r.status === 401 && typeof r.body.error === 'string', `API answers 401 {error}: ${JSON.stringify(r)}`);

  await page.fill('#token', a.token);
  await page.click('#sign-in');
  await waitSignedIn(page);
  check(await page.evaluate(() => sessionStorage.getItem('tandem.token')) !== null, 'the good token is kept for the tab');
  await page.reload();
  await waitSignedIn(page);  // asked once: a reload does not ask again

  // The node stops accepting the kept token (e.g. it was changed in tandem.json).
  await page.evaluate(() => sessionStorage.setItem('tandem.token', 'changed-since'));
  await page.reload();
  await page.waitForSelector('#login-error:not([hidden])');
  const again = await text(page, '#login-error');
  check(/did not accept the token/.test(again), `a stale token sends the admin back with a reason: "${again}"`);
  check(await page.isHidden('#tabs'), 'the panel closes on a 401');
  say('bad, empty and stale tokens all get a clear message');
}
