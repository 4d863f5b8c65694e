// Network faults during a full sync (SPEC "Full sync: transfer", "What bad input gets"):
// a link cut mid-transfer, a source frozen with SIGSTOP, a source that is down when the
// pull starts, and one that never comes. The session waits for the peer (waiting_peer),
// resumes from its checkpoint when the peer is back, or fails naming the reason.
//
// The links between the nodes run through TcpProxy instances in this process, in both
// directions, so cutting them severs every connection between the two daemons.
#include <gtest/gtest.h>

#include "tests/support/tandem_node.hpp"
#include "tests/support/tcp_proxy.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr double kScale = 0.3;

bool waiting_peer(const json& p) { return p.value("detailedState", "") == "waiting_peer"; }
bool past_transfer(const json& p) {
  auto ph = p.value("phase", "");
  return ph != "backup" && ph != "transfer";
}

TEST(FullSyncNetwork, LinkCutMidTransferWaitsReconnectsAndKeepsItsChunks) {
  TwoNodes n(kScale, false);
  TcpProxy to_a(n.a->actor_port()), to_b(n.b->actor_port());
  n.b->set_peer_actor_port("a", to_a.port());
  n.a->set_peer_actor_port("b", to_b.port());
  n.b->env().push_back("TANDEM_FAILPOINTS=convert_plan=sleep:1500");  // keeps the spool a while
  n.a->start();
  n.b->start();
  std::string id = n.b->pull_into_transfer("a", 2);
  ASSERT_FALSE(id.empty()) << n.b->log();
  auto accepted = to_a.connections_accepted();

  to_a.cut();
  to_b.cut();
  auto waiting = n.b->wait_progress(id, waiting_peer, seconds(5));
  ASSERT_TRUE(waiting_peer(waiting)) << waiting.dump() << n.b->log();
  auto kept = chunk_files(n.b->spool_dir(id));
  EXPECT_GE(kept.size(), n.b->checkpoint(id, "transfer"));

  auto later = n.b->wait_progress(id, past_transfer, seconds(40));
  ASSERT_TRUE(past_transfer(later)) << later.dump() << n.b->log();
  EXPECT_GT(to_a.connections_accepted(), accepted) << "b never reconnected through the proxy";
  // Resumed at the checkpoint: no chunk stored before the cut was fetched again.
  EXPECT_EQ(rewritten_chunks(kept, chunk_files(n.b->spool_dir(id))), 0) << "of " << kept.size();
  auto done = n.b->wait_finished(id, seconds(40));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

TEST(FullSyncNetwork, FrozenSourceIsDetectedAndTheTransferResumesAfterThaw) {
  TwoNodes n(kScale, false);
  n.a->start();
  n.b->start();
  std::string id = n.b->pull_into_transfer("a", 1);
  ASSERT_FALSE(id.empty()) << n.b->log();

  n.a->freeze();
  auto frozen_at = Clock::now();
  auto waiting = n.b->wait_progress(id, waiting_peer, seconds(6));
  auto noticed = Clock::now() - frozen_at;
  ASSERT_TRUE(waiting_peer(waiting)) << waiting.dump() << n.b->log();
  EXPECT_LE(noticed, seconds(5));
  std::this_thread::sleep_until(frozen_at + seconds(10));
  n.a->thaw();

  auto done = n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log() << n.a->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

TEST(FullSyncNetwork, PullWaitsForASourceThatIsDownAndProceedsOnceItStarts) {
  TwoNodes n(0.05, false);
  n.b->start();
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  auto waiting = n.b->wait_progress(id, waiting_peer, seconds(10));
  ASSERT_TRUE(waiting_peer(waiting)) << waiting.dump() << n.b->log();
  n.a->start();
  auto done = n.b->wait_finished(id, seconds(40));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(n.db_a), TwoNodes::fingerprint(n.db_b));
}

TEST(FullSyncNetwork, ASourceThatNeverComesFailsTheSessionNamingTheReason) {
  TwoNodes n(0.01, false);
  n.b->config()["full_sync"]["peer_retry_limit"] = 2;
  n.b->start();
  auto before = TwoNodes::fingerprint(n.db_b);
  std::string id = session_id_of(n.b->start_full_sync("pull", "a"));
  ASSERT_FALSE(id.empty());
  // Two retries after 1 s and 2 s, then it gives up.
  auto done = n.b->wait_finished(id, seconds(20));
  ASSERT_EQ(done.value("state", ""), "failed") << done.dump() << n.b->log();
  std::string error = done.value("error", "");
  EXPECT_NE(error.find("gave up after 2 retries"), std::string::npos) << error;
  EXPECT_NE(error.find("peer lost"), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(n.a->actor_port())), std::string::npos)
      << "the reason should name the address that could not be reached: " << error;
  EXPECT_EQ(TwoNodes::fingerprint(n.db_b), before);
  // The lock is free again.
  auto again = n.b->start_full_sync("pull", "a");
  EXPECT_EQ(again.status, 202) << again.body;
}

}  // namespace
}  // namespace tandem::test
