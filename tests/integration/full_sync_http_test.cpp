// The HTTP fallback transport (SPEC "HTTP API": `method: "http"`): a full sync whose
// node-to-node requests and chunks go through the nodes' HTTP ports
// (/api/sync/initiate-backup, /api/sync/receive-backup, /api/sync/restore-backup, …)
// instead of the actor link, for networks where the actor port is closed.
//
// The actor ports are reached through TcpProxy instances that refuse every connection,
// so nothing can cross by the actor link: a sync that succeeds went over HTTP.
#include <gtest/gtest.h>

#include "tests/support/tandem_node.hpp"
#include "tests/support/tcp_proxy.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr double kScale = 0.3;

// Two nodes whose actor links can never connect.
struct ClosedActorPorts {
  TwoNodes n{kScale, false};
  TcpProxy to_a{n.a->actor_port()}, to_b{n.b->actor_port()};
  ClosedActorPorts() {
    n.b->set_peer_actor_port("a", to_a.port());
    n.a->set_peer_actor_port("b", to_b.port());
    to_a.accept(false);
    to_b.accept(false);
  }
};

const json kHttp = {{"method", "http"}};

TEST(HttpTransport, PullWithTheActorPortClosedSucceedsAndVerifies) {
  ClosedActorPorts c;
  c.n.a->start();
  c.n.b->start();
  ASSERT_NE(TwoNodes::fingerprint(c.n.db_a), TwoNodes::fingerprint(c.n.db_b));
  std::string id = session_id_of(c.n.b->start_full_sync("pull", "a", kHttp));
  ASSERT_FALSE(id.empty()) << c.n.b->log();
  auto done = c.n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << c.n.b->log() << c.n.a->log();
  EXPECT_EQ(TwoNodes::fingerprint(c.n.db_a), TwoNodes::fingerprint(c.n.db_b));
  // The source knows the session too (mirrored over HTTP), and it ended there as well.
  auto on_a = c.n.a->wait_finished(id, seconds(20));
  EXPECT_EQ(on_a.value("state", ""), "succeeded") << on_a.dump() << c.n.a->log();
  // The actor link never came up: the data went over HTTP.
  EXPECT_EQ(c.n.b->log().find("peer a (127.0.0.1:" + std::to_string(c.to_a.port()) + ") connected"),
            std::string::npos);
  auto detail = c.n.b->session_detail(id);
  EXPECT_EQ(detail["options"].value("method", ""), "http") << detail.dump();
}

TEST(HttpTransport, PushWithTheActorPortClosedSucceeds) {
  ClosedActorPorts c;
  c.n.a->start();
  c.n.b->start();
  auto started = c.n.a->start_full_sync("push", "b", kHttp);
  std::string id = session_id_of(started);
  ASSERT_FALSE(id.empty()) << started.body << c.n.a->log();
  auto done = c.n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << c.n.b->log() << c.n.a->log();
  EXPECT_EQ(TwoNodes::fingerprint(c.n.db_a), TwoNodes::fingerprint(c.n.db_b));
}

TEST(HttpTransport, TargetKilledInTransferResumesAtItsCheckpoint) {
  ClosedActorPorts c;
  c.n.b->env().push_back("TANDEM_FAILPOINTS=convert_plan=sleep:1500");
  c.n.a->start();
  c.n.b->start();
  std::string id = c.n.b->pull_into_transfer("a", 2, kHttp);
  ASSERT_FALSE(id.empty()) << c.n.b->log();
  // Only chunks a journaled checkpoint covers must survive (one stored after it may be
  // fetched again); the checkpoint read here is covered at the kill.
  const std::uint64_t checkpoint = c.n.b->checkpoint(id, "transfer");
  c.n.b->kill9();
  auto kept = chunk_files(c.n.b->spool_dir(id), checkpoint);
  ASSERT_GE(kept.size(), 2u);
  c.n.b->start();
  c.n.b->wait_progress(id, [](const json& p) { return p.value("phase", "") != "transfer"; }, seconds(60));
  EXPECT_EQ(rewritten_chunks(kept, chunk_files(c.n.b->spool_dir(id))), 0) << "of " << kept.size();
  auto done = c.n.b->wait_finished(id, seconds(60));
  ASSERT_EQ(done.value("state", ""), "succeeded") << done.dump() << c.n.b->log();
  EXPECT_EQ(TwoNodes::fingerprint(c.n.db_a), TwoNodes::fingerprint(c.n.db_b));
}

TEST(HttpTransport, CancelFromTheSourceReachesTheTargetOverHttp) {
  ClosedActorPorts c;
  c.n.a->start();
  c.n.b->start();
  auto before = TwoNodes::fingerprint(c.n.db_b);
  json options = kHttp;
  options["bandwidthLimitMBps"] = 0.3;
  std::string id = session_id_of(c.n.b->start_full_sync("pull", "a", options));
  ASSERT_FALSE(id.empty());
  c.n.b->wait_phase(id, "transfer");
  ASSERT_TRUE(wait_until([&] { return c.n.a->get("/api/sync/backup-progress?sessionId=" + id).status == 200; },
                         seconds(10)));
  auto cancelled = c.n.a->post("/api/admin/sync/full-sync/" + id + "/cancel", R"({"reason":"test"})");
  ASSERT_EQ(cancelled.status / 100, 2) << cancelled.body;
  auto done = c.n.b->wait_finished(id, seconds(30));
  EXPECT_EQ(done.value("state", ""), "cancelled") << done.dump() << c.n.b->log() << c.n.a->log();
  EXPECT_EQ(TwoNodes::fingerprint(c.n.db_b), before);
}

TEST(HttpTransport, ANodeWithTheWrongSecretIsRefusedAndNamed) {
  TwoNodes n(0.01, false);
  n.a->config()["actor"]["secret"] = "not-the-shared-secret-at-all";
  n.b->config()["full_sync"]["peer_retry_limit"] = 2;  // fail soon
  n.a->start();
  n.b->start();
  // A push from b needs a to take the job over HTTP: a refuses b's signature; b retries,
  // then fails naming it.
  auto push = n.b->start_full_sync("push", "a", kHttp);
  ASSERT_EQ(push.status, 202) << push.body;
  auto done = n.b->wait_finished(push.json().value("sessionId", ""), seconds(60));
  EXPECT_EQ(done.value("state", ""), "failed") << done.dump();
  EXPECT_NE(done.value("error", "").find("signature"), std::string::npos) << done.dump();
  EXPECT_NE(n.a->log().find("bad node signature"), std::string::npos) << n.a->log();
}

TEST(HttpTransport, NodeRoutesRefuseTheAdminToken) {
  TwoNodes n(0.01, false);
  n.a->start();
  // The admin token is not a node's signature.
  auto with_token = n.a->get("/api/sync/receive-backup?sessionId=fs-0000000000000000&chunk=0");
  EXPECT_EQ(with_token.status, 401) << with_token.body;
  EXPECT_EQ(with_token.json().value("field", ""), "X-Tandem-Signature") << with_token.body;
}

}  // namespace
}  // namespace tandem::test
