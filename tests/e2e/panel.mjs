// node tests/e2e/panel.mjs <scenario>
// Runs one browser scenario of the control panel against two running nodes (URLs and
// tokens from TANDEM_A_URL/TOKEN, TANDEM_B_URL/TOKEN; screenshots into
// TANDEM_SCREENSHOTS). Prints "PASS <scenario>" and exits 0, or the failure and 1.

import { launch, problemsSeen, AssertionError } from './lib/driver.mjs';

const SCENARIOS = {
  pull: () => import('./scenarios/pull.mjs'),
  cancel: () => import('./scenarios/cancel.mjs'),
  blocked: () => import('./scenarios/blocked.mjs'),
  periodic_blocked: () => import('./scenarios/periodic_blocked.mjs'),
  selection: () => import('./scenarios/selection.mjs'),
  defaults: () => import('./scenarios/defaults.mjs'),
  conflicts: () => import('./scenarios/conflicts.mjs'),
  quarantine: () => import('./scenarios/quarantine.mjs'),
  push_failure: () => import('./scenarios/push_failure.mjs'),
  token: () => import('./scenarios/token.mjs'),
  layout: () => import('./scenarios/layout.mjs'),
};

const name = process.argv[2];
if (!SCENARIOS[name]) {
  console.error(`usage: panel.mjs <${Object.keys(SCENARIOS).join('|')}>`);
  process.exit(2);
}

const browser = await launch();
let failed = false;
const started = Date.now();
try {
  const { run } = await SCENARIOS[name]();
  await run(browser, (line) => console.log(`  ${line}`));
  const problems = problemsSeen();
  if (problems.length) throw new Error(`the pages reported problems:\n${problems.join('\n')}`);
} catch (e) {
  failed = true;
  console.log(`FAIL ${name}: ${e.message}`);
  if (problemsSeen().length) console.log(`the pages also reported:\n${problemsSeen().join('\n')}`);
  if (!(e instanceof AssertionError)) console.log(e.stack);
} finally {
  await browser.close();
}
if (!failed) console.log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failed ? 1 : 0);
