// Cancel and stuck sessions (SPEC "Cancel", "Stuck sessions"). A cancel from either node,
// in transfer or inside the restore transaction, ends the session `cancelled` on both
// nodes, removes both spools, drops the staging tables and leaves the target as it was.
// A session whose target died for good shows as stalled on the source, and clear-stuck
// there ends it and frees the lock.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr double kScale = 0.3;

struct CancelCase {
  std::string name;
  std::string phase;        // cancelled inside this phase
  bool from_source;         // the admin of a (the source) cancels, else b's
  std::string failpoints;   // b's, to hold the phase
  double bandwidth_mbps;
};

std::ostream& operator<<(std::ostream& out, const CancelCase& c) { return out << c.name; }

class CancelIn : public ::testing::TestWithParam<CancelCase> {};

TEST_P(CancelIn, EndsOnBothNodesCleansUpAndLeavesTheTargetAsItWas) {
  const CancelCase& c = GetParam();
  TwoNodes n(kScale, false);
  if (!c.failpoints.empty()) n.b->env().push_back("TANDEM_FAILPOINTS=" + c.failpoints);
  n.a->start();
  n.b->start();
  const auto before = TwoNodes::fingerprint(n.db_b);
  json options = json::object();
  if (c.bandwidth_mbps > 0) options["bandwidthLimitMBps"] = c.bandwidth_mbps;
  std::string id = session_id_of(n.b->start_full_sync("pull", "a", options));
  ASSERT_FALSE(id.empty());
  auto at = n.b->wait_progress(id, [&](const json& p) {
    return p.value("phase", "") == c.phase && p.value("detailedState", "") == "running" &&
           p.value("bytesTransferred", 0) > 0;
  });
  ASSERT_EQ(at.value("phase", ""), c.phase) << at.dump() << n.b->log();
  ASSERT_TRUE(std::filesystem::exists(n.b->spool_dir(id)));

  TandemNode& admin = c.from_source ? *n.a : *n.b;
  auto answer = admin.post("/api/admin/sync/full-sync/" + id + "/cancel");
  EXPECT_EQ(answer.status, 202) << answer.body;

  for (auto* node : {n.b.get(), n.a.get()}) {
    auto end = node->wait_finished(id, seconds(20));
    EXPECT_EQ(end.value("state", ""), "cancelled") << node->id() << ": " << end.dump() << node->log();
    EXPECT_TRUE(wait_until([&] { return !std::filesystem::exists(node->spool_dir(id)); }, seconds(10)))
        << node->id() << " kept its spool " << node->spool_dir(id);
  }
  EXPECT_TRUE(wait_until(
      [&] {
        return n.db_b.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'tandem_staging'") == "0";
      },
      seconds(10)))
      << "staging tables left on the target";
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), before) << "the target changed although cancelled";
  // Both locks are free: a new sync starts.
  auto again = n.b->start_full_sync("pull", "a");
  EXPECT_EQ(again.status, 202) << again.body;
}

INSTANTIATE_TEST_SUITE_P(
    FullSyncCancel, CancelIn,
    ::testing::Values(CancelCase{"TransferFromTarget", "transfer", false, "", 0.3},
                      CancelCase{"RestoreFromTarget", "restore", false, "restore_chunk=sleep:300", 0},
                      CancelCase{"TransferFromSource", "transfer", true, "", 0.3}),
    [](const ::testing::TestParamInfo<CancelCase>& i) { return i.param.name; });

TEST(FullSyncStuck, DeadTargetShowsStalledOnTheSourceAndClearStuckFreesTheLock) {
  TwoNodes n(kScale, false);
  n.a->config()["full_sync"]["stall_after_s"] = 5;
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a", {{"bandwidthLimitMBps", 0.3}}));
  ASSERT_FALSE(id.empty());
  n.b->wait_phase(id, "transfer");
  ASSERT_TRUE(wait_until([&] { return n.a->get("/api/sync/backup-progress?sessionId=" + id).json().value(
                                          "phase", "") == "transfer"; },
                         seconds(10)));
  EXPECT_FALSE(n.a->get("/api/sync/backup-progress?sessionId=" + id).json().value("stalled", true));
  n.b->kill9();  // and never started again

  auto stalled = n.a->wait_progress(id, [](const json& p) { return p.value("stalled", false); },
                                    seconds(12));
  ASSERT_TRUE(stalled.value("stalled", false)) << stalled.dump() << n.a->log();
  EXPECT_EQ(n.a->start_full_sync("push", "b").status, 409) << "the stalled session holds the lock";

  auto cleared = n.a->post("/api/admin/sync/clear-stuck");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  EXPECT_NE(cleared.body.find(id), std::string::npos) << cleared.body;
  auto end = n.a->get("/api/sync/backup-progress?sessionId=" + id).json();
  EXPECT_EQ(end.value("state", ""), "failed") << end.dump();
  EXPECT_FALSE(std::filesystem::exists(n.a->spool_dir(id)));

  // The lock is free: a new sync starts on a (b is still down, so it waits for it).
  std::string next = session_id_of(n.a->start_full_sync("pull", "b"));
  ASSERT_FALSE(next.empty());
  EXPECT_NE(next, id);
  EXPECT_EQ(n.a->post("/api/admin/sync/full-sync/" + next + "/cancel").status, 202);
  EXPECT_EQ(n.a->wait_finished(next, seconds(15)).value("state", ""), "cancelled");
}

}  // namespace
}  // namespace tandem::test
