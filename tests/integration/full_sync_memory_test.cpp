// Memory over many syncs (the seed plan's "no memory leaks"): the same pull, twenty times
// in a row between two real daemons. What a daemon keeps per ended session (its view,
// its journal rows, its spool) must not pile up in memory: the resident size of both
// daemons after the last sync stays within a few MB of what it was after the fifth,
// by which point allocator arenas and SQLite's page cache have reached their size.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/bench/bench_support.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

constexpr int kSyncs = 20;
constexpr int kSettled = 5;            // syncs before the baseline is taken
constexpr long kAllowedGrowthKb = 4096;

TEST(FullSyncMemory, TwentySyncsInARowLeaveBothDaemonsTheSameSize) {
  TwoNodes n(0.05);
  long a_settled = 0, b_settled = 0;
  std::string figures;
  for (int i = 1; i <= kSyncs; ++i) {
    auto start = n.b->start_full_sync("pull", "a");
    ASSERT_EQ(start.status, 202) << start.body;
    auto done = n.b->wait_finished(start.json().value("sessionId", ""));
    ASSERT_EQ(done.value("state", ""), "succeeded") << "sync " << i << ": " << done.dump();
    // Wait until the source side has let the session go too (its lock is free).
    ASSERT_TRUE(wait_until([&] { return n.a->get("/api/admin/sync/sessions?limit=1").json()["sessions"][0].value("state", "") == "succeeded"; },
                           std::chrono::seconds(10)));
    const long a_kb = bench::proc_status_kb(n.a->pid(), "VmRSS:");
    const long b_kb = bench::proc_status_kb(n.b->pid(), "VmRSS:");
    figures += " " + std::to_string(i) + ":" + std::to_string(a_kb / 1024) + "/" + std::to_string(b_kb / 1024);
    if (i == kSettled) {
      a_settled = a_kb;
      b_settled = b_kb;
    }
    if (i == kSyncs) {
      std::cout << "RSS MB a/b after each sync:" << figures << "\n";
      EXPECT_LE(a_kb - a_settled, kAllowedGrowthKb) << "a grew from " << a_settled << " to " << a_kb << " kB;" << figures;
      EXPECT_LE(b_kb - b_settled, kAllowedGrowthKb) << "b grew from " << b_settled << " to " << b_kb << " kB;" << figures;
    }
  }
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), TwoNodes::fingerprint(n.db_a));
}

}  // namespace
}  // namespace tandem::test
