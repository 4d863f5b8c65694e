// The router and the API routes with a fake node: every route answers with its SPEC
// shape, auth guards everything but /healthz and the panel, and bad requests get a 400
// naming the field, never a 5xx.
#include <gtest/gtest.h>

#include "http/api_routes.hpp"
#include "tests/unit/http_fake_node.hpp"

namespace tandem::http {
namespace {

using nlohmann::json;

class ApiRoutes : public ::testing::Test {
 protected:
  ApiRoutes() : config(test::spec_config()), router(config.admin_token) {
    add_api_routes(router, node, config, {"a", "test"});
    SessionView v;
    v.session.id = "fs-known";
    v.session.source = "b";
    v.session.target = "a";
    node.known.push_back(v);
  }

  Response call(const std::string& method, const std::string& path, const std::string& body = "",
                const std::string& auth = "Bearer long-random-string",
                std::map<std::string, std::string> query = {}) {
    Request q;
    q.method = method;
    q.path = path;
    q.body = body;
    q.query = std::move(query);
    q.remote = "127.0.0.1:1";
    if (!auth.empty()) q.headers["authorization"] = auth;
    return router.dispatch(q);
  }
  static json body(const Response& r) { return json::parse(r.body); }

  test::FakeNode node;
  Config config;
  Router router;
};

TEST_F(ApiRoutes, StartAnswers202WithTheSessionAndPassesTheOptions) {
  auto r = call("POST", "/api/admin/sync/full-sync",
                R"({"action":"push","targetPeer":{"nodeId":"b"},
                    "options":{"compressionEnabled":false,"mode":"mirror","bandwidthLimitMBps":5}})");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body(r)["sessionId"], "fs-fake-1");
  EXPECT_EQ(body(r)["success"], true);
  EXPECT_EQ(body(r)["message"], "Full sync started: Server A → Server B");
  ASSERT_EQ(node.started.size(), 1u);
  EXPECT_EQ(node.started[0].direction, Direction::push);
  EXPECT_EQ(node.started[0].peer, "b");
  EXPECT_FALSE(node.started[0].options.compression);
  EXPECT_EQ(node.started[0].options.mode, SyncMode::mirror);
  EXPECT_DOUBLE_EQ(node.started[0].options.bandwidth_limit_mbps, 5);
}

TEST_F(ApiRoutes, BusyAndUnknownPeerCarryTheSpecFields) {
  node.start_answer = {409, "fs-running", "a full sync is running: fs-running"};
  auto busy = call("POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"b"}})");
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(body(busy)["sessionId"], "fs-running");
  node.start_answer = {404, "", "unknown peer zz"};
  auto unknown = call("POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"zz"}})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(body(unknown)["field"], "targetPeer.nodeId");
}

TEST_F(ApiRoutes, EveryReadRouteAnswersItsShape) {
  auto progress = call("GET", "/api/sync/backup-progress", "", "Bearer long-random-string",
                       {{"sessionId", "fs-known"}});
  ASSERT_EQ(progress.status, 200) << progress.body;
  for (const char* k : {"phase", "step", "totalSteps", "progress", "bytesTransferred", "totalBytes",
                        "transferSpeed", "estimatedTimeRemaining", "currentStep", "state"})
    EXPECT_TRUE(body(progress).contains(k)) << k;
  auto list = call("GET", "/api/admin/sync/sessions");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(body(list)["sessions"].size(), 1u);
  for (const char* k : {"id", "direction", "source", "target", "state", "phase", "startedAt",
                        "finishedAt", "bytes", "rows", "error"})
    EXPECT_TRUE(body(list)["sessions"][0].contains(k)) << k;
  auto detail = call("GET", "/api/admin/sync/sessions/fs-known");
  ASSERT_EQ(detail.status, 200);
  EXPECT_TRUE(body(detail).contains("phases"));
  auto peers = call("GET", "/api/admin/sync/peers");
  ASSERT_EQ(peers.status, 200);
  EXPECT_EQ(body(peers)["nodes"][0]["local"], true);
  auto periodic = call("GET", "/api/admin/sync/periodic");
  ASSERT_EQ(periodic.status, 200);
  EXPECT_EQ(body(periodic)["peers"][0]["peer"], "b");
  EXPECT_EQ(body(periodic)["peers"][0]["quarantined"], 3);
  EXPECT_EQ(body(periodic)["peers"][0]["quarantineHeld"], 2);
  auto metrics = call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("# TYPE"), std::string::npos);
  EXPECT_NE(metrics.body.find("tandem_periodic_quarantined_total{peer=\"b\"} 3\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("tandem_periodic_quarantine_held{peer=\"b\"} 2\n"), std::string::npos) << metrics.body;
  auto health = call("GET", "/healthz", "", "");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(call("GET", "/", "", "").status, 200);  // the panel needs no token
  EXPECT_EQ(call("GET", "/api/admin/sync/events").content_type, "text/event-stream");
}

TEST_F(ApiRoutes, ConflictsShowBothVersionsAndWhichWon) {
  ConflictRecord c;
  c.id = 7;
  c.table = "public.products";
  c.key = R"({"id": 5})";
  c.winner = "remote";
  c.policy = "last_writer_wins";
  c.local_origin = "a";
  c.remote_origin = "b";
  c.local_changed_at = 1764000000000;
  c.remote_changed_at = 1764000000050;
  c.resolved_at = 1764000001000;
  c.local_row = R"({"id": 5, "name": "a wrote first"})";
  node.conflicts = {c, c};
  auto r = call("GET", "/api/admin/sync/periodic/conflicts", "", "Bearer long-random-string",
                {{"peer", "b"}, {"limit", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(node.conflicts_peer, "b");
  auto list = body(r)["conflicts"];
  ASSERT_EQ(list.size(), 1u) << "limit 1";
  EXPECT_EQ(list[0]["table"], "public.products");
  EXPECT_EQ(list[0]["key"]["id"], 5) << "the key as JSON, not text";
  EXPECT_EQ(list[0]["winner"], "remote");
  EXPECT_EQ(list[0]["local"]["origin"], "a");
  EXPECT_EQ(list[0]["local"]["row"]["name"], "a wrote first");
  EXPECT_TRUE(list[0]["remote"]["row"].is_null()) << "the remote version was a deletion";
  EXPECT_EQ(list[0]["remote"]["changedAt"], "2025-11-24T16:00:00.050Z");
  EXPECT_EQ(call("GET", "/api/admin/sync/periodic/conflicts", "", "Bearer long-random-string",
                 {{"peer", "zz"}}).status, 404);
  auto bad = call("GET", "/api/admin/sync/periodic/conflicts", "", "Bearer long-random-string", {{"limit", "0"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body(bad)["field"], "limit");
}

TEST_F(ApiRoutes, QuarantineListsChangesAndRetriesOrDiscardsOne) {
  QuarantinedChange c;
  c.id = 7;
  c.peer = "b";
  c.table = "public.items";
  c.op = "U";
  c.key = R"({"id": 2})";
  c.row = R"({"id": 2, "qty": -1})";
  c.origin = "b";
  c.changed_at = 1764000000050;
  c.error = "new row violates check constraint \"qty_positive\"";
  c.quarantined_at = 1764000001000;
  QuarantinedChange d = c;
  d.id = 8;
  d.op = "D";
  d.row = "";
  d.retries = 2;
  d.retried_at = 1764000002000;
  node.quarantine = {5, {c, d}};
  auto r = call("GET", "/api/admin/sync/periodic/quarantine", "", "Bearer long-random-string",
                {{"peer", "b"}, {"limit", "2"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r)["total"], 5) << "how many are held, not how many are listed";
  auto list = body(r)["changes"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["id"], 7);
  EXPECT_EQ(list[0]["op"], "update");
  EXPECT_EQ(list[0]["key"]["id"], 2) << "the key as JSON, not text";
  EXPECT_EQ(list[0]["row"]["qty"], -1);
  EXPECT_EQ(list[0]["changedAt"], "2025-11-24T16:00:00.050Z");
  EXPECT_EQ(list[0]["error"], c.error);
  EXPECT_EQ(list[0]["retries"], 0);
  EXPECT_TRUE(list[0]["lastRetryAt"].is_null());
  EXPECT_EQ(list[1]["op"], "delete");
  EXPECT_TRUE(list[1]["row"].is_null());
  EXPECT_EQ(list[1]["lastRetryAt"], "2025-11-24T16:00:02.000Z");
  EXPECT_EQ(call("GET", "/api/admin/sync/periodic/quarantine", "", "Bearer long-random-string",
                 {{"peer", "zz"}}).status, 404);
  EXPECT_EQ(call("GET", "/api/admin/sync/periodic/quarantine", "", "Bearer long-random-string",
                 {{"limit", "1001"}}).status, 400);
  EXPECT_EQ(call("GET", "/api/admin/sync/periodic/quarantine", "", "Bearer long-random-string",
                 {{"id", "7"}}).status, 400);

  auto retried = call("POST", "/api/admin/sync/periodic/quarantine/7/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(body(retried)["message"], "applied");
  EXPECT_EQ(body(retried)["change"]["table"], "public.items");
  EXPECT_EQ(body(retried)["superseded"], json::array({6})) << "the older changes of the row it dropped";
  auto discarded = call("POST", "/api/admin/sync/periodic/quarantine/8/discard", "{}");
  ASSERT_EQ(discarded.status, 200) << discarded.body;
  EXPECT_EQ(body(discarded)["message"], "discarded");
  ASSERT_EQ(node.quarantine_acts.size(), 2u);
  EXPECT_EQ(node.quarantine_acts[0], "retry 7 | requested through the API from 127.0.0.1:1");
  EXPECT_EQ(node.quarantine_acts[1].substr(0, 9), "discard 8");

  auto unknown = call("POST", "/api/admin/sync/periodic/quarantine/9/retry");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(body(unknown)["field"], "id");
  for (const char* code : {kQuarantineRowChanged, kQuarantineStillFails, kQuarantineSuperseded, "pg_conflict"}) {
    node.quarantine_error = make_error(code, "the row has changed on this node");
    auto refused = call("POST", "/api/admin/sync/periodic/quarantine/9/retry");
    EXPECT_EQ(refused.status, 409) << code;
    EXPECT_EQ(body(refused)["error"], "the row has changed on this node");
  }
  node.quarantine_error = make_error("timeout", "the node did not answer in time");
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/quarantine/9/discard").status, 503);
  const size_t acts = node.quarantine_acts.size();
  for (const char* bad : {"0", "-1", "x7", "99999999999999999999"}) {
    auto r400 = call("POST", std::string("/api/admin/sync/periodic/quarantine/") + bad + "/retry");
    EXPECT_EQ(r400.status, 400) << bad;
    EXPECT_EQ(body(r400)["field"], "id");
  }
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/quarantine/7/retry", R"({"force":true})").status, 400);
  EXPECT_EQ(node.quarantine_acts.size(), acts) << "a refused request reaches no change";

  auto all = call("POST", "/api/admin/sync/periodic/quarantine/retry-all", "", "Bearer long-random-string", {{"peer", "b"}});
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(body(all), json({{"success", true}, {"tried", 4}, {"applied", 2}, {"superseded", 1},
                             {"stillFailing", 1}, {"rowChanged", 1}, {"remaining", 2}}));
  EXPECT_EQ(node.quarantine_acts.back(), "retry all b | requested through the API from 127.0.0.1:1");
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/quarantine/retry-all", "", "Bearer long-random-string",
                 {{"peer", "zz"}}).status, 404);
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/quarantine/retry-all", "", "Bearer long-random-string",
                 {{"limit", "5"}}).status, 400);
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/quarantine/retry-all").status, 200);
  EXPECT_EQ(node.quarantine_acts.back(), "retry all  | requested through the API from 127.0.0.1:1") << "every peer's";
}

TEST_F(ApiRoutes, MutatingRoutesWithoutFieldsTakeAnEmptyBodyAndRefuseKeys) {
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/pause").status, 200);
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/resume", "{}").status, 200);
  EXPECT_EQ(node.paused, (std::vector<bool>{true, false}));
  EXPECT_EQ(call("POST", "/api/admin/sync/clear-stuck", " ").status, 200);
  auto r = call("POST", "/api/admin/sync/clear-stuck", R"({"force":true})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(body(r)["field"], "force");
  EXPECT_EQ(call("POST", "/api/admin/sync/periodic/pause", "[]").status, 400);
}

TEST_F(ApiRoutes, CancelTakesAnOptionalReason) {
  EXPECT_EQ(call("POST", "/api/admin/sync/full-sync/fs-known/cancel", R"({"reason":"wrong peer"})").status, 202);
  ASSERT_EQ(node.cancelled.size(), 1u);
  EXPECT_NE(node.cancelled[0].find("wrong peer"), std::string::npos);
  auto unknown = call("POST", "/api/admin/sync/full-sync/fs-nope/cancel");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(body(unknown)["field"], "id");
  auto bad = call("POST", "/api/admin/sync/full-sync/fs-known/cancel", R"({"reason":5})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body(bad)["field"], "reason");
}

TEST_F(ApiRoutes, AnEndedSessionHasNothingRemainingAndItsCancelNamesIt) {
  SessionView done;
  done.session.id = "fs-done";
  done.session.state = State::succeeded;
  node.known.push_back(done);
  auto progress = call("GET", "/api/sync/backup-progress", "", "Bearer long-random-string", {{"sessionId", "fs-done"}});
  ASSERT_EQ(progress.status, 200) << progress.body;
  EXPECT_EQ(body(progress)["estimatedTimeRemaining"], 0) << progress.body;
  auto cancel = call("POST", "/api/admin/sync/full-sync/fs-done/cancel");
  EXPECT_EQ(cancel.status, 409);
  EXPECT_EQ(body(cancel)["sessionId"], "fs-done") << cancel.body;
}

TEST_F(ApiRoutes, TokenGuardsEveryApiRoute) {
  for (const auto& route : router.describe()) {
    auto space = route.find(' ');
    std::string method = route.substr(0, space), path = route.substr(space + 1);
    if (path == "/healthz" || path == "/" || path.rfind("/ui/", 0) == 0) continue;
    // Fill {id} with a valid id, so only auth can refuse.
    if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, "fs-known");
    SCOPED_TRACE(route);
    // Node-to-node routes (the HTTP fallback) take a peer's signature, never the token.
    bool node_route = path.rfind("/api/sync/", 0) == 0 && path != "/api/sync/backup-progress";
    auto none = call(method, path, "", "");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(body(none)["field"], node_route ? "X-Tandem-Signature" : "Authorization");
    if (node_route) {
      EXPECT_EQ(call(method, path).status, 401);  // with the admin token
    }
    EXPECT_EQ(call(method, path, "", "Bearer long-random-strinG").status, 401);
    EXPECT_EQ(call(method, path, "", "Bearer long-random-string ").status, 401);
    EXPECT_EQ(call(method, path, "", "Basic long-random-string").status, 401);
    EXPECT_EQ(call(method, path, "", "Bearer").status, 401);
  }
  EXPECT_TRUE(node.started.empty() && node.cancelled.empty() && node.paused.empty());
  // The scheme's case does not matter (RFC 7235); the token's does.
  EXPECT_EQ(call("GET", "/api/admin/sync/peers", "", "bearer long-random-string").status, 200);
}

struct BadCase {
  const char* method;
  const char* path;
  const char* body;
  std::map<std::string, std::string> query;
  int status;
  const char* field;  // "" when the body as a whole is wrong
};

TEST_F(ApiRoutes, BadRequestsNameTheField) {
  const std::string deep = std::string(40, '[') + std::string(40, ']');
  const std::vector<BadCase> cases = {
      {"POST", "/api/admin/sync/full-sync", "{", {}, 400, ""},
      {"POST", "/api/admin/sync/full-sync", "[1]", {}, 400, ""},
      {"POST", "/api/admin/sync/full-sync", R"({"targetPeer":{"nodeId":"b"}})", {}, 400, "action"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"sideways","targetPeer":{"nodeId":"b"}})", {}, 400, "action"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":1,"targetPeer":{"nodeId":"b"}})", {}, 400, "action"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull"})", {}, 400, "targetPeer"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":"b"})", {}, 400, "targetPeer"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"a"}})", {}, 400, "targetPeer.nodeId"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"b"},"x":1})", {}, 400, "x"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"b"},"options":{"mode":"copy"}})", {}, 400, "options.mode"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"b"},"options":{"verifyAfterSync":"yes"}})", {}, 400, "options.verifyAfterSync"},
      {"POST", "/api/admin/sync/full-sync", R"({"action":"pull","targetPeer":{"nodeId":"b"},"options":{"bandwidthLimitMBps":-1}})", {}, 400, "options.bandwidthLimitMBps"},
      {"POST", "/api/admin/sync/full-sync", deep.c_str(), {}, 400, ""},
      {"GET", "/api/sync/backup-progress", "", {}, 400, "sessionId"},
      {"GET", "/api/sync/backup-progress", "", {{"sessionId", "../../etc/passwd"}}, 400, "sessionId"},
      {"GET", "/api/sync/backup-progress", "", {{"sessionId", "fs-known"}, {"sesionId", "x"}}, 400, "sesionId"},
      {"GET", "/api/sync/backup-progress", "", {{"sessionId", "fs-unknown"}}, 404, "sessionId"},
      {"GET", "/api/admin/sync/sessions", "", {{"limit", "0"}}, 400, "limit"},
      {"GET", "/api/admin/sync/sessions", "", {{"limit", "-5"}}, 400, "limit"},
      {"GET", "/api/admin/sync/sessions", "", {{"limit", "99999999999999999999"}}, 400, "limit"},
      {"GET", "/api/admin/sync/sessions/..", "", {}, 400, "id"},
      {"POST", "/api/admin/sync/full-sync/fs-a;rm/cancel", "", {}, 400, "id"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.path + " " + c.body);
    auto r = call(c.method, c.path, c.body, "Bearer long-random-string", c.query);
    EXPECT_EQ(r.status, c.status) << r.body;
    auto b = body(r);
    ASSERT_TRUE(b.contains("error") && b["error"].is_string()) << r.body;
    EXPECT_FALSE(b["error"].get<std::string>().empty());
    EXPECT_EQ(b.value("field", ""), c.field) << r.body;
  }
  EXPECT_TRUE(node.started.empty()) << "no bad request reached the node";
}

TEST_F(ApiRoutes, UnknownRoutesAndMethods) {
  EXPECT_EQ(call("GET", "/api/nope").status, 404);
  EXPECT_EQ(call("DELETE", "/api/admin/sync/peers").status, 405);
  EXPECT_EQ(call("GET", "/api/admin/sync/full-sync").status, 405);
}

TEST(Router, AHandlerThatThrowsIsA500WithAGenericMessage) {
  Router router("t0ken");
  router.add("GET", "/boom", Auth::none, [](const Request&) -> Response { throw std::runtime_error("secret detail"); });
  Request q;
  q.method = "GET";
  q.path = "/boom";
  auto r = router.dispatch(q);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos);
}

}  // namespace
}  // namespace tandem::http
