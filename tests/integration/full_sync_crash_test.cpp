// Crash resume of a full sync (SPEC "Crash resume"): kill -9 of either daemon inside a
// phase, then start it again. Nobody calls the API after the restart: the session must
// resume by itself, end `succeeded`, and leave the two databases equal. An interrupted
// backup takes a fresh snapshot; an interrupted transfer keeps the chunks it had.
//
// Fail points (TANDEM_FAILPOINTS) and the bandwidth cap hold a phase long enough to
// kill a daemon inside it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <iterator>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr double kScale = 0.3;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Hold {
  std::string phase;
  std::string target_failpoints;  // b
  std::string source_failpoints;  // a
  double bandwidth_mbps;          // 0: no cap
};

std::ostream& operator<<(std::ostream& out, const Hold& h) { return out << h.phase; }

class KillTargetIn : public ::testing::TestWithParam<Hold> {};

TEST_P(KillTargetIn, PhaseThenRestartResumesBySelfAndSucceeds) {
  const Hold& h = GetParam();
  TwoNodes n(kScale, false);
  if (!h.target_failpoints.empty()) n.b->env().push_back("TANDEM_FAILPOINTS=" + h.target_failpoints);
  if (!h.source_failpoints.empty()) n.a->env().push_back("TANDEM_FAILPOINTS=" + h.source_failpoints);
  n.a->start();
  n.b->start();
  json options = json::object();
  if (h.bandwidth_mbps > 0) options["bandwidthLimitMBps"] = h.bandwidth_mbps;
  std::string id = n.b->pull_into_phase("a", h.phase, options);
  ASSERT_FALSE(id.empty()) << "no pull running " << h.phase << "\n" << n.b->log();
  if (h.phase == "transfer") {  // some chunks stored, so there is something to keep
    ASSERT_TRUE(wait_until([&] { return n.b->checkpoint(id, "transfer") >= 2; }, seconds(20)));
  }
  // Chunks a checkpoint covers must survive; one stored after the last checkpoint was
  // journaled may legitimately be fetched again. The checkpoint only grows, so what it
  // covers now it covers at the kill.
  auto kept = chunk_files(n.b->spool_dir(id), n.b->checkpoint(id, "transfer"));
  n.b->kill9();
  n.b->start();

  if (h.phase == "transfer") {
    // Transfer resumed at its checkpoint: the chunks on disk were not fetched again.
    n.b->wait_progress(id, [](const json& p) { return p.value("phase", "") != "transfer"; },
                       seconds(40));
    ASSERT_FALSE(kept.empty());
    EXPECT_EQ(rewritten_chunks(kept, chunk_files(n.b->spool_dir(id))), 0)
        << "of " << kept.size() << " chunks stored before the crash";
  }
  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  EXPECT_NE(n.b->log().find("resuming " + id), std::string::npos) << n.b->log();
  EXPECT_EQ(n.a->wait_finished(id, seconds(15)).value("state", ""), "succeeded");
}

INSTANTIATE_TEST_SUITE_P(
    FullSyncCrash, KillTargetIn,
    ::testing::Values(Hold{"backup", "", "backup_chunk=sleep:200", 0},
                      // The convert hold keeps the spool after transfer for the chunk check.
                      Hold{"transfer", "convert_plan=sleep:1500", "", 0.3},
                      Hold{"convert", "convert_plan=sleep:3000", "", 0},
                      // The install of change capture, held too, lands inside the
                      // restore both times (it once deadlocked with a resumed restore).
                      Hold{"restore", "restore_chunk=sleep:300,capture_install=sleep:700", "", 0},
                      Hold{"verify", "verify_table=sleep:1000", "", 0}),
    [](const ::testing::TestParamInfo<Hold>& i) { return i.param.phase; });

// After a kill -9 the source's old connections sit in TIME_WAIT on its actor port; the
// restarted daemon must bind it at once (node.cpp publishes with reuse after checking
// nobody listens there).
TEST(FullSyncCrash, SourceKilledInBackupTakesAFreshSnapshotAndSucceeds) {
  TwoNodes n(kScale, false);
  n.a->env().push_back("TANDEM_FAILPOINTS=backup_chunk=sleep:200");
  n.a->start();
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  auto at = n.b->wait_progress(id, [](const json& p) {
    return p.value("phase", "") == "backup" && p.value("bytesTransferred", 0) > 0;
  });
  ASSERT_EQ(at.value("phase", ""), "backup") << at.dump();
  n.a->kill9();
  auto waiting = n.b->wait_progress(
      id, [](const json& p) { return p.value("detailedState", "") == "waiting_peer"; }, seconds(10));
  EXPECT_EQ(waiting.value("detailedState", ""), "waiting_peer") << waiting.dump();
  n.a->start();
  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log() << n.a->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  // The snapshot died with the process: the restarted source ran the backup again.
  EXPECT_EQ(count_of(n.a->log(), id + ": backup started"), 2u) << n.a->log();
}

TEST(FullSyncCrash, SourceKilledInTransferContinuesAtItsCheckpoint) {
  TwoNodes n(kScale, false);
  n.b->env().push_back("TANDEM_FAILPOINTS=convert_plan=sleep:1500");
  n.a->start();
  n.b->start();
  std::string id = n.b->pull_into_transfer("a", 2);
  ASSERT_FALSE(id.empty()) << n.b->log();
  n.a->kill9();
  auto waiting = n.b->wait_progress(
      id, [](const json& p) { return p.value("detailedState", "") == "waiting_peer"; }, seconds(10));
  EXPECT_EQ(waiting.value("detailedState", ""), "waiting_peer") << waiting.dump() << n.b->log();
  std::uint64_t checkpoint = n.b->checkpoint(id, "transfer");
  auto kept = chunk_files(n.b->spool_dir(id));
  EXPECT_GE(kept.size(), checkpoint);
  n.a->start();

  n.b->wait_progress(id, [](const json& p) { return p.value("phase", "") != "transfer"; }, seconds(40));
  EXPECT_EQ(rewritten_chunks(kept, chunk_files(n.b->spool_dir(id))), 0)
      << "of " << kept.size() << " chunks stored before the crash";
  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log() << n.a->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  // The backup was finished before the crash: it was served from the spool, not redone.
  EXPECT_EQ(count_of(n.a->log(), id + ": backup started"), 1u) << n.a->log();
}

// Chunks the target stored are not fsync'd: the source keeps them durably until the
// session ends. A power loss during restore is played here by a kill -9 of the target,
// then one chunk file deleted and another cut short, as unsynced pages could be. The
// restarted restore finds them, fetches them again from the source, and succeeds.
TEST(FullSyncCrash, ChunksLostWithThePowerAreFetchedAgainAndRestoreSucceeds) {
  TwoNodes n(kScale, false);
  n.b->env().push_back("TANDEM_FAILPOINTS=restore_chunk=sleep:300");
  n.a->start();
  n.b->start();
  std::string id = n.b->pull_into_phase("a", "restore");
  ASSERT_FALSE(id.empty()) << "no pull restoring\n" << n.b->log();
  n.b->kill9();

  const std::string spool = n.b->spool_dir(id);
  auto chunks = chunk_files(spool);
  ASSERT_GE(chunks.size(), 3u) << "too few chunks in " << spool;
  const std::string lost = spool + "/" + chunks.begin()->first;
  const std::string cut = spool + "/" + std::next(chunks.begin())->first;
  ASSERT_EQ(std::remove(lost.c_str()), 0) << lost;
  ASSERT_EQ(::truncate(cut.c_str(), 100), 0) << cut;

  n.b->start();
  auto done = n.b->wait_finished(id, seconds(90));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
  EXPECT_EQ(n.a->wait_finished(id, seconds(15)).value("state", ""), "succeeded");
  // It said so, in the node's log and in the session's own.
  const std::string said = "fetching again from the source every chunk that fails its check";
  EXPECT_NE(n.b->log().find(said), std::string::npos) << n.b->log();
  EXPECT_NE(n.b->session_detail(id).value("log", json::array()).dump().find(said), std::string::npos)
      << n.b->session_detail(id).dump();
}

}  // namespace
}  // namespace tandem::test
