// The node-to-node routes of the HTTP fallback transport with a fake node: a request
// signed with actor.secret by a known peer reaches the node as that peer's request and
// its answer comes back signed; anything unsigned, forged, tampered with, stale or from
// a stranger is refused with 401 before the node hears of it.
#include <gtest/gtest.h>

#include <chrono>

#include "actors/peer_auth.hpp"
#include "actors/peer_http_auth.hpp"
#include "http/api_routes.hpp"
#include "tests/unit/http_fake_node.hpp"

namespace tandem::http {
namespace {

using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class PeerRoutes : public ::testing::Test {
 protected:
  PeerRoutes() : config(test::spec_config()), router(config.admin_token) {
    add_api_routes(router, node, config, {"a", "test"});
  }

  // A request as node `from` signs it with `secret`; `query` is the decoded form of the
  // target's query string.
  Request signed_request(const std::string& method, const std::string& target, const std::string& body,
                         const std::string& from = "b", const std::string& secret = "shared-by-all-nodes") {
    Request q;
    q.method = method;
    q.target = target;
    q.path = target.substr(0, target.find('?'));
    q.body = body;
    q.remote = "127.0.0.1:1";
    for (const auto& [name, value] : sign_peer_request(secret, from, method, target, body)) {
      std::string lower = name;
      for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      q.headers[lower] = value;
    }
    return q;
  }
  static void add_query(Request& q, std::map<std::string, std::string> query) { q.query = std::move(query); }

  std::string header(const Response& r, const std::string& name) {
    for (const auto& [n, v] : r.headers)
      if (n == name) return v;
    return {};
  }
  bool signed_back(const Request& q, const Response& r, const std::string& digest) {
    return header(r, "X-Tandem-Signature") ==
           peer_response_signature("shared-by-all-nodes", q.header("x-tandem-signature"), r.status, digest);
  }

  test::FakeNode node;
  Config config;
  Router router;
};

const std::string kSession = R"({"id":"fs-0123456789abcdef","source":"a","target":"b"})";

TEST_F(PeerRoutes, ASignedInitiateBackupReachesTheNodeAsThatPeerAndIsSignedBack) {
  node.peer_answer.json = R"({"state":"running","bytesDone":1})";
  auto q = signed_request("POST", "/api/sync/initiate-backup", kSession);
  auto r = router.dispatch(q);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, node.peer_answer.json);
  ASSERT_EQ(node.peer_calls.size(), 1u);
  EXPECT_EQ(node.peer_calls[0].client, "b");
  EXPECT_EQ(node.peer_calls[0].op, "backup");
  EXPECT_EQ(node.peer_calls[0].session_json, kSession);
  EXPECT_TRUE(signed_back(q, r, sha256_hex(r.body)));
}

TEST_F(PeerRoutes, EachRouteNamesItsRequest) {
  struct Case { const char* method; std::string target; std::string body; const char* op; };
  const std::string id = "fs-0123456789abcdef";
  std::vector<Case> cases = {
      {"POST", "/api/sync/restore-backup", kSession, "push"},
      {"POST", "/api/sync/reserve", kSession, "reserve"},
      {"POST", "/api/sync/mirror", kSession, "mirror"},
      {"POST", "/api/sync/cancel", R"({"sessionId":")" + id + R"(","reason":"admin"})", "cancel"},
      {"GET", "/api/sync/session?sessionId=" + id, "", "get"},
  };
  for (const auto& c : cases) {
    node.peer_calls.clear();
    auto q = signed_request(c.method, c.target, c.body);
    if (c.target.find('?') != std::string::npos) add_query(q, {{"sessionId", id}});
    auto r = router.dispatch(q);
    EXPECT_EQ(r.status, 200) << c.target << " " << r.body;
    ASSERT_EQ(node.peer_calls.size(), 1u) << c.target;
    EXPECT_EQ(node.peer_calls[0].op, c.op) << c.target;
    EXPECT_EQ(node.peer_calls[0].client, "b");
  }
}

TEST_F(PeerRoutes, AChunkComesAsRawBytesWithItsChecksumNotBase64) {
  std::string bytes("\x28\xb5\x2f\xfd\0\x01\xff binary", 14);
  node.peer_answer = PeerCallAnswer{true, "", "ok", "c0ffee", bytes, ""};
  auto q = signed_request("GET", "/api/sync/receive-backup?sessionId=fs-0123456789abcdef&chunk=7", "");
  add_query(q, {{"sessionId", "fs-0123456789abcdef"}, {"chunk", "7"}});
  auto r = router.dispatch(q);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/octet-stream");
  EXPECT_EQ(r.body, bytes);
  EXPECT_EQ(header(r, "X-Tandem-Checksum"), "c0ffee");
  EXPECT_EQ(node.peer_calls.at(0).chunk, 7u);
  EXPECT_TRUE(signed_back(q, r, "c0ffee"));

  node.peer_answer = PeerCallAnswer{true, "", "gone", "", "", "no live session"};
  auto gone = router.dispatch(q);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(json::parse(gone.body).value("status", ""), "gone");
}

TEST_F(PeerRoutes, BadChunkRequestsNameTheParameter) {
  for (std::string chunk : {"-1", "x", "", "1e3", "99999999999999999999999"}) {
    auto target = "/api/sync/receive-backup?sessionId=fs-0123456789abcdef&chunk=" + chunk;
    auto q = signed_request("GET", target, "");
    add_query(q, {{"sessionId", "fs-0123456789abcdef"}, {"chunk", chunk}});
    auto r = router.dispatch(q);
    EXPECT_EQ(r.status, 400) << chunk;
    EXPECT_EQ(json::parse(r.body).value("field", ""), "chunk") << chunk;
  }
  auto q = signed_request("GET", "/api/sync/receive-backup?sessionId=..%2F&chunk=1", "");
  add_query(q, {{"sessionId", "../"}, {"chunk", "1"}});
  EXPECT_EQ(json::parse(router.dispatch(q).body).value("field", ""), "sessionId");
  EXPECT_TRUE(node.peer_calls.empty());
}

TEST_F(PeerRoutes, ForgedTamperedStaleOrStrangeRequestsAreRefusedBeforeTheNode) {
  const std::string target = "/api/sync/initiate-backup";
  std::vector<std::pair<std::string, Request>> cases;
  cases.push_back({"unsigned", [&] { auto q = signed_request("POST", target, kSession); q.headers.clear(); return q; }()});
  cases.push_back({"other secret", signed_request("POST", target, kSession, "b", "another-secret")});
  cases.push_back({"stranger", signed_request("POST", target, kSession, "zz")});
  cases.push_back({"this node", signed_request("POST", target, kSession, "a")});
  cases.push_back({"body changed", [&] { auto q = signed_request("POST", target, kSession); q.body += " "; return q; }()});
  cases.push_back({"route changed", [&] {
                     auto q = signed_request("POST", target, kSession);
                     q.target = q.path = "/api/sync/restore-backup";
                     return q;
                   }()});
  cases.push_back({"method changed", [&] { auto q = signed_request("POST", target, kSession); q.headers["x-tandem-node"] = "b "; return q; }()});
  cases.push_back({"stale", [&] {
                     auto q = signed_request("POST", target, kSession);
                     std::string old = std::to_string(now_ms() - 10 * 60 * 1000);
                     q.headers["x-tandem-time"] = old;
                     q.headers["x-tandem-signature"] = peer_request_signature("shared-by-all-nodes", "b", old, "POST", target, kSession);
                     return q;
                   }()});
  cases.push_back({"time not a number", [&] { auto q = signed_request("POST", target, kSession); q.headers["x-tandem-time"] += "x"; return q; }()});
  cases.push_back({"admin token", [&] {
                     Request q = signed_request("POST", target, kSession);
                     q.headers.clear();
                     q.headers["authorization"] = "Bearer " + config.admin_token;
                     return q;
                   }()});
  for (auto& [name, q] : cases) {
    auto r = router.dispatch(q);
    EXPECT_EQ(r.status, 401) << name << ": " << r.body;
    EXPECT_EQ(json::parse(r.body).value("field", ""), "X-Tandem-Signature") << name;
  }
  EXPECT_TRUE(node.peer_calls.empty());
}

TEST_F(PeerRoutes, ASignedBodyThatIsNotASessionIs400) {
  auto r = router.dispatch(signed_request("POST", "/api/sync/initiate-backup", "[1,2]"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_TRUE(node.peer_calls.empty());
}

}  // namespace
}  // namespace tandem::http
