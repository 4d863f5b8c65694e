// The old panel's bug: the chosen server changed by itself when data refreshed. Here the
// choice is made with the keyboard alone, then survives 20 data refreshes (same DOM
// inputs, still checked) and page reloads. Also: every control has a label.

import { nodes, open, waitSignedIn, text, until, check } from '../lib/driver.mjs';

async function tabTo(page, id, max = 40) {
  for (let i = 0; i < max; i += 1) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(() => document.activeElement?.id) === id) return;
  }
  throw new Error(`#${id} is not reachable with Tab`);
}

const refreshes = (page) => page.evaluate(() => Number(document.body.dataset.refreshes || 0));

async function assertChoice(page, what) {
  const state = await page.evaluate(() => ({
    server: document.querySelector('input[name=server]:checked')?.value ?? null,
    direction: document.querySelector('input[name=direction]:checked')?.value ?? null,
  }));
  check(state.server === 'a' && state.direction === 'push', `${what}: selection is ${JSON.stringify(state)}, want a/push`);
  const summary = await text(page, '#flow-summary');
  check(summary.includes('This server (Server B) → Server A'), `${what}: summary "${summary}"`);
}

// Every form control and button has an accessible name; every link has text.
async function assertLabelled(page, what) {
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, button, a, summary, [role=progressbar]')]
    .filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
    .filter((el) => {
      const byLabel = el.labels && [...el.labels].some((l) => l.textContent.trim());
      const byAria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      return !(byLabel || byAria || el.textContent.trim());
    }).map((el) => el.outerHTML.slice(0, 80)));
  check(unnamed.length === 0, `${what}: controls without a label: ${unnamed.join(' ; ')}`);
}

export async function run(browser, say) {
  const { b } = nodes();
  const page = await open(browser, b, { refreshMs: 250 });
  await waitSignedIn(page);
  await page.waitForSelector('#server-a');
  const r0 = await refreshes(page);
  await until(async () => (await refreshes(page)) >= r0 + 3, '3 refreshes');
  check(await page.evaluate(() => !document.querySelector('input[name=server]:checked')), 'nothing is chosen for the admin');
  // Each server with its address, as in the plan's mock-up ("Server A (192.168.0.112)").
  const rowA = await text(page, 'li.server[data-node="a"] label');
  check(rowA.includes('Server A (127.0.0.1)'), `the peer's row shows its address: "${rowA}"`);
  const rowB = await text(page, 'li.server[data-node="b"] label');
  check(rowB.includes('Server B (127.0.0.1)') && rowB.includes('[Local]'), `this node's row: "${rowB}"`);

  // Keyboard only: Tab to the server, Space to choose it; Tab to the direction group,
  // arrow to "Push".
  await page.evaluate(() => document.activeElement?.blur());
  await tabTo(page, 'server-a');
  await page.keyboard.press('Space');
  await tabTo(page, 'dir-pull', 3);
  await page.keyboard.press('ArrowDown');
  await assertChoice(page, 'after the keyboard choice');
  await page.evaluate(() => { document.getElementById('server-a').dataset.mark = 'kept'; });
  await tabTo(page, 'start');
  check(!(await page.isDisabled('#start')), 'Start is enabled once server and direction are chosen');

  const r1 = await refreshes(page);
  for (let i = 1; i <= 20; i += 1) {
    await until(async () => (await refreshes(page)) >= r1 + i, `refresh ${i}`, 10000, 50);
    await assertChoice(page, `after refresh ${i}`);
  }
  check(await page.getAttribute('#server-a', 'data-mark') === 'kept', 'the radio was updated in place, not re-created');
  check(await page.evaluate(() => document.activeElement?.id) === 'start', 'the keyboard focus stayed on Start');
  say(`selection held across ${(await refreshes(page)) - r1} refreshes`);

  for (let i = 1; i <= 3; i += 1) {
    await page.reload();
    await waitSignedIn(page);
    await page.waitForSelector('#server-a');
    await assertChoice(page, `after page reload ${i}`);
  }

  await assertLabelled(page, 'Full Sync');
  await page.click('details.advanced summary');
  await assertLabelled(page, 'Full Sync, advanced');
  for (const view of ['history', 'periodic']) {
    await page.click(`a[data-view="${view}"]`);
    await page.waitForSelector(view === 'history' ? '#history-count' : '#periodic-body :is(.alert, ul, p)');
    await assertLabelled(page, view);
  }
  say('every visible control is labelled');
}
