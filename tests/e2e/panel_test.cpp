// Browser tests of the control panel (SPEC.md "Web control panel"): each case starts two
// real nodes, then runs one scenario of tests/e2e/panel.mjs against their panels in
// headless chromium and asserts on its exit code and report. The scenarios hold the
// browser-side assertions; this file owns the daemons (ended by PID, always).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "tests/support/app_transaction.hpp"
#include "tests/support/free_port.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

namespace fs = std::filesystem;

constexpr double kScale = 0.05;

std::string screenshot_dir() {
  // Runs write into the build tree; TANDEM_UPDATE_SCREENSHOTS=1 refreshes the ones the
  // README shows (docs/screenshots/).
  const char* update = std::getenv("TANDEM_UPDATE_SCREENSHOTS");
  if (update && std::string(update) == "1") return std::string(TANDEM_SOURCE_DIR) + "/docs/screenshots";
  return std::string(TANDEM_BINARY_DIR) + "/e2e-screenshots";
}

bool browser_available(std::string& why) {
  if (!fs::exists("/usr/bin/chromium")) why = "/usr/bin/chromium is missing (tools/setup installs it)";
  else if (!fs::exists(std::string(TANDEM_SOURCE_DIR) + "/tests/e2e/node_modules/playwright-core"))
    why = "tests/e2e/node_modules is missing (tools/setup runs npm ci there)";
  return why.empty();
}

// Runs `scenario` against the two nodes; the script prints "PASS <scenario>" last.
void run_scenario(const std::string& scenario, TwoNodes& n) {
  std::string why;
  if (!browser_available(why)) GTEST_FAIL() << why;
  const std::string dir = screenshot_dir();
  fs::create_directories(dir);
  EnvOverrides env = {
      "TANDEM_A_URL=http://127.0.0.1:" + std::to_string(n.a->http_port()),
      "TANDEM_A_TOKEN=" + n.a->token(),
      "TANDEM_B_URL=http://127.0.0.1:" + std::to_string(n.b->http_port()),
      "TANDEM_B_TOKEN=" + n.b->token(),
      "TANDEM_SCREENSHOTS=" + dir,
  };
  auto r = run_process({"node", std::string(TANDEM_SOURCE_DIR) + "/tests/e2e/panel.mjs", scenario},
                       env, std::chrono::seconds(150));
  EXPECT_FALSE(r.timed_out) << scenario << " timed out";
  EXPECT_EQ(r.exit_code, 0) << "--- stdout\n" << r.out << "--- stderr\n" << r.err
                            << "--- node a log\n" << n.a->log() << "--- node b log\n" << n.b->log();
  EXPECT_NE(r.out.find("PASS " + scenario), std::string::npos) << r.out;
  std::cout << r.out;
}

// b (the older copy) pulls from a through its panel: steps change, 100 %, and the
// finished session shows in both nodes' history.
TEST(Panel, PullFromThePanelReachesOneHundredPercentAndShowsInBothHistories) {
  TwoNodes n(kScale, false);
  // Slow the phases down just enough for the panel to see each step.
  n.a->env().push_back("TANDEM_FAILPOINTS=backup_chunk=sleep:150");
  n.b->env().push_back("TANDEM_FAILPOINTS=restore_chunk=sleep:150,verify_table=sleep:150");
  n.a->start();
  n.b->start();
  const auto before = TwoNodes::fingerprint(n.db_b);
  run_scenario("pull", n);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a)) << "b did not receive a's data";
  EXPECT_NE(TwoNodes::fingerprint(n.db_b), before);
}

// b is set not to compress or verify and to cap bandwidth: its form starts so, and
// what the admin changes is what is sent.
TEST(Panel, TheFormStartsFromTheNodesOwnSettings) {
  TwoNodes n(kScale, false);
  n.b->config()["full_sync"]["compression"] = false;
  n.b->config()["full_sync"]["verify"] = false;
  n.b->config()["full_sync"]["bandwidth_limit_mbps"] = 50;
  n.a->start();
  n.b->start();
  run_scenario("defaults", n);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a));
}

// a's config also lists a peer c whose tandemd never runs; a gives up on a peer after
// one retry, so the push to c fails within seconds.
TEST(Panel, PushesFromThePanelOneThatSucceedsAndOneThatSaysWhyItFailed) {
  TwoNodes n(kScale, false);
  const std::string nowhere = "127.0.0.1:" + std::to_string(free_tcp_port());
  n.a->config()["peers"].push_back({{"id", "c"}, {"name", "Server C"}, {"actor", nowhere}, {"http", nowhere}});
  n.a->config()["full_sync"]["peer_retry_limit"] = 1;
  n.a->start();
  n.b->start();
  run_scenario("push_failure", n);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a)) << "the first push reached b";
}

TEST(Panel, CancelAsksForConfirmationAndLeavesTheTargetAsItWas) {
  TwoNodes n(kScale);
  const auto before = TwoNodes::fingerprint(n.db_b);
  run_scenario("cancel", n);
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), before) << "the target changed although cancelled";
}

// An application transaction on b holds a customer the restore must rewrite for 20 s;
// the panel shows who holds the sync up (stall_after_s 5), then the sync's success.
TEST(Panel, ARestoreHeldUpByALockSaysByWhomThenFinishes) {
  TwoNodes n(kScale, false);
  AppTransaction app = start_holding_the_first_customer(n);
  std::thread holder([&] { (void)app.exec("SELECT pg_sleep(20); COMMIT"); });
  run_scenario("blocked", n);
  holder.join();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a));
}

// Both nodes started with periodic sync every second, b made equal to a by a pull.
void start_equal_with_periodic_sync(TwoNodes& n) {
  for (auto* node : {n.a.get(), n.b.get()}) node->config()["sync"]["periodic_interval_s"] = 1;
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();
}

// Periodic sync every second; an application transaction on b holds the product a's
// change must update, for as long as the scenario looks at b's Periodic Sync page.
TEST(Panel, APeriodicRoundHeldUpByALockSaysByWhom) {
  TwoNodes n(kScale, false);
  ASSERT_NO_FATAL_FAILURE(start_equal_with_periodic_sync(n));
  AppTransaction app(n.db_b, "SELECT * FROM products WHERE id = 3 FOR UPDATE");
  n.db_a.exec("UPDATE products SET price = price + 1 WHERE id = 3");
  run_scenario("periodic_blocked", n);
  ASSERT_TRUE(app.exec("COMMIT").ok());
  EXPECT_TRUE(wait_until([&] { return TwoNodes::fingerprint(n.db_b) == TwoNodes::fingerprint(n.db_a); },
                         std::chrono::seconds(20)));
}

// The same product changed on both nodes while periodic sync was paused: once resumed,
// the conflict is resolved, recorded, and b's Periodic Sync page lists it.
TEST(Panel, PeriodicSyncListsTheConflictsItResolved) {
  TwoNodes n(kScale, false);
  ASSERT_NO_FATAL_FAILURE(start_equal_with_periodic_sync(n));
  for (auto* node : {n.a.get(), n.b.get()}) ASSERT_EQ(node->post("/api/admin/sync/periodic/pause").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a running round ends
  n.db_a.exec("UPDATE products SET name = 'a wrote first' WHERE id = 5");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  n.db_b.exec("UPDATE products SET name = 'b wrote last' WHERE id = 5");
  for (auto* node : {n.a.get(), n.b.get()}) node->post("/api/admin/sync/periodic/resume");
  ASSERT_TRUE(wait_until([&] { return n.db_b.scalar("SELECT count(*) FROM tandem.conflicts") != "0"; },
                         std::chrono::seconds(20)))
      << "b recorded no conflict";
  run_scenario("conflicts", n);
}

// Changes b's schema refuses (a constraint only b has) are quarantined on b; its panel
// lists them, explains a refused retry and discards one after asking.
TEST(Panel, QuarantinedChangesAreListedRetriedAndDiscarded) {
  TwoNodes n(kScale, false);
  ASSERT_NO_FATAL_FAILURE(start_equal_with_periodic_sync(n));
  n.db_b.exec("ALTER TABLE products ADD CONSTRAINT price_cap CHECK (price < 10000)");
  n.db_a.exec("UPDATE products SET price = 25000 WHERE id = 5");  // captured first, listed first
  n.db_a.exec("UPDATE products SET price = 30000 WHERE id = 6");
  ASSERT_TRUE(wait_until([&] { return n.db_b.scalar("SELECT count(*) FROM tandem.quarantine") == "2"; },
                         std::chrono::seconds(20)))
      << "b quarantined nothing\n" << n.b->log();
  run_scenario("quarantine", n);
}

TEST(Panel, SelectionStaysPutAcrossRefreshesAndEveryControlIsLabelledAndReachable) {
  TwoNodes n(kScale);
  run_scenario("selection", n);
}

TEST(Panel, BadTokenGetsAClearMessage) {
  TwoNodes n(kScale);
  run_scenario("token", n);
}

TEST(Panel, PhoneAndDesktopLayoutsHaveNoHorizontalScroll) {
  TwoNodes n(kScale);
  run_scenario("layout", n);
}

}  // namespace
}  // namespace tandem::test
