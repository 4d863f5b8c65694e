// The API's answers to bad and random input, against two real daemons (tandemd built
// from this tree): every bad request gets its expected status and names its field; no
// body, however odd, gets a 5xx or takes the daemon down. Plus the polling benchmark
// that tools/bench-api runs (skipped unless TANDEM_BENCH_API=1).
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <limits>
#include <random>
#include <thread>

#include "actors/peer_http_client.hpp"
#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using namespace std::chrono;

HttpAnswer raw_request(int port, const std::string& method, const std::string& path,
                       const std::string& authorization, const std::string& body) {
  return http_request_raw_auth(port, method, path, authorization, body);
}

struct BadRequest {
  std::string name;
  std::string method, path, auth, body;  // auth "" = none, "ok" = the node's token
  int status;
  std::string field;  // "" = no field (the request as a whole is wrong)
};

std::vector<BadRequest> bad_requests() {
  const std::string start = "/api/admin/sync/full-sync";
  const std::string pull_b = R"({"action":"pull","targetPeer":{"nodeId":"b"})";
  auto with = [&](const std::string& extra) { return pull_b + "," + extra + "}"; };
  return {
      {"no token", "GET", "/api/admin/sync/peers", "", "", 401, "Authorization"},
      {"wrong token", "GET", "/api/admin/sync/peers", "Bearer nope", "", 401, "Authorization"},
      {"token with another scheme", "GET", "/api/admin/sync/sessions", "Basic dG9rZW4=", "", 401, "Authorization"},
      {"bearer without token", "POST", start, "Bearer ", pull_b + "}", 401, "Authorization"},
      {"no token on cancel", "POST", start + "/fs-x/cancel", "", "", 401, "Authorization"},
      {"no token on metrics", "GET", "/metrics", "", "", 401, "Authorization"},
      {"malformed JSON", "POST", start, "ok", "{\"action\": pull", 400, ""},
      {"body not an object", "POST", start, "ok", "[\"pull\"]", 400, ""},
      {"action missing", "POST", start, "ok", R"({"targetPeer":{"nodeId":"b"}})", 400, "action"},
      {"action of wrong type", "POST", start, "ok", R"({"action":true,"targetPeer":{"nodeId":"b"}})", 400, "action"},
      {"action unknown", "POST", start, "ok", R"({"action":"both","targetPeer":{"nodeId":"b"}})", 400, "action"},
      {"targetPeer a string", "POST", start, "ok", R"({"action":"pull","targetPeer":"b"})", 400, "targetPeer"},
      {"nodeId a number", "POST", start, "ok", R"({"action":"pull","targetPeer":{"nodeId":7}})", 400, "targetPeer.nodeId"},
      {"peer is this node", "POST", start, "ok", R"({"action":"pull","targetPeer":{"nodeId":"a"}})", 400, "targetPeer.nodeId"},
      {"unknown peer", "POST", start, "ok", R"({"action":"pull","targetPeer":{"nodeId":"zz"}})", 404, "targetPeer.nodeId"},
      {"unknown top-level field", "POST", start, "ok", with(R"("priority":1)"), 400, "priority"},
      {"unknown option", "POST", start, "ok", with(R"("options":{"turbo":true})"), 400, "options.turbo"},
      {"option of wrong type", "POST", start, "ok", with(R"("options":{"compressionEnabled":"yes"})"), 400, "options.compressionEnabled"},
      {"mode unknown", "POST", start, "ok", with(R"("options":{"mode":"replace"})"), 400, "options.mode"},
      {"method unknown", "POST", start, "ok", with(R"("options":{"method":"pigeon"})"), 400, "options.method"},
      {"node route with the admin token", "GET", "/api/sync/receive-backup?sessionId=fs-x&chunk=0", "ok", "", 401, "X-Tandem-Signature"},
      {"node route unsigned", "POST", "/api/sync/initiate-backup", "", "{}", 401, "X-Tandem-Signature"},
      {"negative bandwidth", "POST", start, "ok", with(R"("options":{"bandwidthLimitMBps":-3})"), 400, "options.bandwidthLimitMBps"},
      {"huge body", "POST", start, "ok", with("\"pad\":\"" + std::string(2 << 20, 'x') + "\""), 413, ""},
      {"deep nesting", "POST", start, "ok", std::string(100, '[') + std::string(100, ']'), 400, ""},
      {"string over 64 KiB", "POST", start, "ok", with("\"x\":\"" + std::string(70000, 'y') + "\""), 400, ""},
      {"traversal in session id", "GET", "/api/admin/sync/sessions/%2e%2e", "ok", "", 400, "id"},
      {"traversal through the path", "GET", "/api/admin/sync/sessions/..%2F..%2Fetc%2Fpasswd", "ok", "", 404, ""},
      {"traversal in cancel id", "POST", start + "/fs-..%2Fx/cancel", "ok", "", 404, ""},
      {"shell in cancel id", "POST", start + "/fs-a%3Brm/cancel", "ok", "", 400, "id"},
      {"traversal in sessionId", "GET", "/api/sync/backup-progress?sessionId=..%2F..%2Fetc", "ok", "", 400, "sessionId"},
      {"sessionId missing", "GET", "/api/sync/backup-progress", "ok", "", 400, "sessionId"},
      {"unknown session", "GET", "/api/sync/backup-progress?sessionId=fs-none", "ok", "", 404, "sessionId"},
      {"a word that is no session id", "GET", "/api/sync/backup-progress?sessionId=nope", "ok", "", 404, "sessionId"},
      {"detail of a word", "GET", "/api/admin/sync/sessions/does-not-exist", "ok", "", 404, "id"},
      {"cancel of a word", "POST", start + "/nonexistent/cancel", "ok", "", 404, "id"},
      {"misspelt query parameter", "GET", "/api/sync/backup-progress?sessionID=fs-none", "ok", "", 400, "sessionID"},
      {"limit not a number", "GET", "/api/admin/sync/sessions?limit=ten", "ok", "", 400, "limit"},
      {"limit zero", "GET", "/api/admin/sync/sessions?limit=0", "ok", "", 400, "limit"},
      {"limit too big", "GET", "/api/admin/sync/sessions?limit=1001", "ok", "", 400, "limit"},
      {"broken percent-encoding", "GET", "/api/admin/sync/sessions?limit=%zz", "ok", "", 400, ""},
      {"field on clear-stuck", "POST", "/api/admin/sync/clear-stuck", "ok", R"({"all":true})", 400, "all"},
      {"field on pause", "POST", "/api/admin/sync/periodic/pause", "ok", R"({"peer":"b"})", 400, "peer"},
      {"reason of wrong type", "POST", start + "/fs-none/cancel", "ok", R"({"reason":[1]})", 400, "reason"},
      {"cancel unknown session", "POST", start + "/fs-none/cancel", "ok", "", 404, "id"},
      {"unknown route", "GET", "/api/admin/sync/nothing", "ok", "", 404, ""},
      {"wrong method", "DELETE", "/api/admin/sync/peers", "ok", "", 405, ""},
  };
}

TEST(ApiHardening, EveryBadRequestGetsItsStatusAndField) {
  TwoNodes n(0.02);
  const auto table = bad_requests();
  ASSERT_GE(table.size(), 25u);
  for (const auto& c : table) {
    SCOPED_TRACE(c.name);
    std::string auth = c.auth == "ok" ? "Bearer " + n.a->token() : c.auth;
    auto got = raw_request(n.a->http_port(), c.method, c.path, auth, c.body);
    EXPECT_EQ(got.status, c.status) << got.body.substr(0, 300);
    auto body = got.json();
    ASSERT_TRUE(body.is_object() && body.contains("error") && body["error"].is_string())
        << got.body.substr(0, 300);
    EXPECT_FALSE(body["error"].get<std::string>().empty());
    EXPECT_EQ(body.value("field", ""), c.field) << body.dump();
  }
  EXPECT_TRUE(n.a->healthy());
  // None of them started anything.
  EXPECT_EQ(n.a->get("/api/admin/sync/sessions").json()["sessions"].size(), 0u);
  // Refusals of the token are logged with the client, never with the token sent.
  EXPECT_NE(n.a->log().find("bad token"), std::string::npos);
  EXPECT_EQ(n.a->log().find("Bearer nope"), std::string::npos);
}

// Random bodies: mostly near-misses of a valid body (the keys the route knows, with
// values of every type), some random JSON, some random bytes.
class BodyFuzzer {
 public:
  explicit BodyFuzzer(std::uint32_t seed) : rng_(seed) {}

  std::string body(const std::vector<std::string>& keys) {
    switch (pick(10)) {
      case 0: return bytes();
      case 1: return value(3).dump();
      case 2: return "";
      default: {
        json o = json::object();
        for (const auto& k : keys)
          if (pick(3)) o[k] = pick(4) ? plausible(k) : value(2);
        if (pick(4) == 0) o[word()] = value(1);
        std::string text = o.dump();
        if (pick(8) == 0 && !text.empty()) text.resize(pick(text.size()));  // truncated
        return text;
      }
    }
  }
  std::string id() {
    const std::vector<std::string> ids = {"fs-", "fs-%2e%2e", "fs-a%00b", "..", "fs-" + std::string(80, 'a'),
                                          "%ff%fe", "fs-%20", "fs-ok_1", "%2e%2e%2f%2e%2e"};
    if (pick(3)) return ids[pick(ids.size())];
    std::string s = "fs-";
    for (std::size_t i = 0, n = pick(20); i < n; ++i) {
      char c = static_cast<char>(33 + pick(94));
      if (c == '/' || c == '?' || c == '#' || c == '%') c = '_';
      s += c;
    }
    return s;
  }

 private:
  std::size_t pick(std::size_t n) { return n ? rng_() % n : 0; }
  std::string word() {
    std::string s;
    for (std::size_t i = 0, n = 1 + pick(12); i < n; ++i) s += static_cast<char>('a' + pick(26));
    return s;
  }
  std::string bytes() {
    std::string s;
    for (std::size_t i = 0, n = pick(200); i < n; ++i) s += static_cast<char>(pick(256));
    return s;
  }
  json plausible(const std::string& key) {
    if (key == "action") return pick(2) ? "pull" : "push";
    if (key == "targetPeer") return {{"nodeId", pick(3) ? "b" : word()}};
    if (key == "options")
      return {{"compressionEnabled", pick(2) == 0}, {"mode", pick(2) ? "merge" : "mirror"},
              {"bandwidthLimitMBps", static_cast<double>(pick(100)) - 10}};
    return word();
  }
  json value(int depth) {
    switch (pick(depth > 0 ? 10 : 8)) {
      case 0: return nullptr;
      case 1: return pick(2) == 0;
      case 2: return static_cast<std::int64_t>(rng_()) * (pick(2) ? 1 : -1);
      case 3: return std::numeric_limits<std::uint64_t>::max() - pick(10);
      case 4: return static_cast<double>(rng_()) / 7.0 * (pick(2) ? 1e300 : -1e-300);
      case 5: return word();
      case 6: return std::string(pick(5000), static_cast<char>('a' + pick(26)));
      case 7: return "\xc3\xa9\xe2\x86\x92 \t\n\"\\";
      case 8: { json a = json::array(); for (std::size_t i = 0, n = pick(4); i < n; ++i) a.push_back(value(depth - 1)); return a; }
      default: { json o = json::object(); for (std::size_t i = 0, n = pick(4); i < n; ++i) o[word()] = value(depth - 1); return o; }
    }
  }
  std::mt19937 rng_;
};

TEST(ApiHardening, RandomBodiesNeverGetA5xx) {
  TwoNodes n(0.02);
  const int port = n.a->http_port();
  const std::string auth = "Bearer " + n.a->token();
  BodyFuzzer fuzz(20240611);
  struct Route { std::string path; std::vector<std::string> keys; };
  const std::vector<Route> routes = {
      {"/api/admin/sync/full-sync", {"action", "targetPeer", "options"}},
      {"/api/admin/sync/full-sync/{id}/cancel", {"reason"}},
      {"/api/admin/sync/periodic/pause", {}},
      {"/api/admin/sync/periodic/resume", {}},
      {"/api/admin/sync/clear-stuck", {}},
  };
  for (const auto& r : routes) {
    std::map<int, int> statuses;
    for (int i = 0; i < 300; ++i) {
      std::string path = r.path;
      if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, fuzz.id());
      std::string body = fuzz.body(r.keys);
      auto got = raw_request(port, "POST", path, auth, body);
      ++statuses[got.status];
      ASSERT_TRUE(got.status >= 200 && got.status < 500)
          << path << " body " << json(body).dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 300) << " -> " << got.status << " " << got.body;
      if (got.status >= 400) {
        ASSERT_TRUE(got.json().is_object() && got.json().contains("error")) << got.body;
      }
    }
    std::string seen;
    for (auto [status, count] : statuses) seen += " " + std::to_string(status) + "×" + std::to_string(count);
    std::cout << "[ fuzz ] " << r.path << ":" << seen << "\n";
    EXPECT_GT(statuses[400], 0) << "the fuzzer reached validation";
  }
  ASSERT_TRUE(n.a->healthy());
  // Whatever a near-miss happened to start ends normally.
  for (const auto& s : n.a->get("/api/admin/sync/sessions").json()["sessions"])
    EXPECT_NE(n.a->wait_finished(s["id"]).value("state", ""), "") << s.dump();
  EXPECT_EQ(n.a->post("/api/admin/sync/periodic/resume").status, 200);
}

// tools/bench-api: a full sync alone vs. the same full sync while four clients poll its
// backup-progress at 10/s each. Runs alternate (alone, polled, alone, ...) so a change in
// machine load hits both; the medians and their ratio are printed.
// The node-to-node routes (HTTP fallback) behind a valid signature: node b's requests to
// node a with random bodies reach a's job manager, which must answer each without a 5xx
// and sign it (PeerHttpClient checks the signature of every answer).
TEST(ApiHardening, RandomSignedBodiesToNodeRoutesNeverGetA5xx) {
  TwoNodes n(0.02);
  PeerHttpClient as_b("b", n.a->config()["actor"]["secret"].get<std::string>(),
                      HostPort{"127.0.0.1", static_cast<std::uint16_t>(n.a->http_port())});
  BodyFuzzer fuzz(20261125);
  struct Route { std::string path; std::vector<std::string> keys; };
  const std::vector<std::string> session = {"id", "direction", "source", "target", "state", "phase",
                                            "attempt", "options", "initiator", "progress"};
  const std::vector<Route> routes = {
      {"/api/sync/initiate-backup", session}, {"/api/sync/restore-backup", session},
      {"/api/sync/reserve", session},         {"/api/sync/mirror", session},
      {"/api/sync/cancel", {"sessionId", "reason"}},
  };
  for (const auto& r : routes) {
    std::map<int, int> statuses;
    for (int i = 0; i < 300; ++i) {
      std::string body = fuzz.body(r.keys);
      auto got = as_b.call("POST", r.path, body, seconds(10), 1 << 20);
      ASSERT_TRUE(got.ok()) << r.path << ": " << got.error().describe();
      ++statuses[got->status];
      ASSERT_TRUE(got->status >= 200 && got->status < 500)
          << r.path << " body " << json(body).dump(-1, ' ', false, json::error_handler_t::replace).substr(0, 300)
          << " -> " << got->status << " " << got->body;
    }
    std::string seen;
    for (const auto& [status, count] : statuses) seen += std::to_string(status) + "×" + std::to_string(count) + " ";
    std::cout << "[ fuzz ] " << r.path << ": " << seen << "\n";
  }
  EXPECT_TRUE(n.a->healthy());
  EXPECT_EQ(n.a->get("/api/admin/sync/sessions").json()["sessions"].size(), 0u)
      << "no random body created a session";
}

// "2026-11-25T12:00:00.123Z" -> ms since the epoch; 0 when it is not that shape.
double iso_ms(const std::string& t) {
  std::tm tm{};
  int ms = 0;
  if (t.size() != 24 || std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm)) * 1000.0 + ms;
}

TEST(ApiBench, FullSyncWhileProgressIsPolled) {
  if (!std::getenv("TANDEM_BENCH_API")) GTEST_SKIP() << "set TANDEM_BENCH_API=1 (tools/bench-api)";
  const double scale = std::getenv("TANDEM_BENCH_SCALE") ? std::atof(std::getenv("TANDEM_BENCH_SCALE")) : 1.0;
  const int runs = std::getenv("TANDEM_BENCH_RUNS") ? std::atoi(std::getenv("TANDEM_BENCH_RUNS")) : 3;
  TwoNodes n(scale);
  auto timed_sync = [&](int pollers) {
    // The source may still be ending its side of the previous session (409): retry.
    HttpAnswer started;
    for (int i = 0; i < 300 && (started = n.b->start_full_sync("pull", "a")).status == 409; ++i)
      std::this_thread::sleep_for(milliseconds(100));
    std::string id = session_id_of(started);
    if (id.empty()) {
      ADD_FAILURE() << "could not start: " << started.body;
      return 0.0;
    }
    std::atomic<bool> done{false};
    std::atomic<int> polls{0}, slow{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < pollers; ++c)
      clients.emplace_back([&] {
        while (!done) {
          auto next = steady_clock::now() + milliseconds(100);
          auto a = http_get(n.b->http_port(), "/api/sync/backup-progress?sessionId=" + id, n.b->token());
          ++polls;
          if (a.status != 200) ++slow;
          std::this_thread::sleep_until(next);
        }
      });
    // The end is seen by polling (10/s, in both cases); the time itself is the session's
    // own, journaled on node b: created -> finished, in ms, free of the polls' granularity.
    std::string state;
    while (state != "succeeded" && state != "failed" && state != "cancelled") {
      std::this_thread::sleep_for(milliseconds(100));
      auto a = http_get(n.b->http_port(), "/api/sync/backup-progress?sessionId=" + id, n.b->token());
      state = a.json().value("state", "");
    }
    done = true;
    for (auto& t : clients) t.join();
    auto detail = n.b->session_detail(id);
    double secs = (iso_ms(detail.value("finishedAt", "")) - iso_ms(detail.value("startedAt", ""))) / 1000.0;
    EXPECT_EQ(state, "succeeded");
    EXPECT_GT(secs, 0) << detail.dump();
    EXPECT_EQ(slow.load(), 0) << "every poll answered 200";
    if (pollers) {
      std::cout << "[ bench ] polled run: " << polls << " polls (" << polls / secs << "/s)\n";
    }
    return secs;
  };
  timed_sync(0);  // warm-up: first sync moves every row; later ones are the steady case
  std::vector<double> alone, polled;
  // Each sync of the series runs a little slower than the one before (the target's
  // tables and WAL grow), so the order alternates within pairs (ABBA): a fixed order would
  // charge that drift to whichever case always runs second.
  for (int i = 0; i < runs; ++i) {
    if (i % 2 == 0) {
      alone.push_back(timed_sync(0));
      polled.push_back(timed_sync(4));
    } else {
      polled.push_back(timed_sync(4));
      alone.push_back(timed_sync(0));
    }
    std::cout << "[ bench ] run " << i + 1 << ": alone " << alone.back() << " s, polled "
              << polled.back() << " s\n";
  }
  auto median = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
  double a = median(alone), p = median(polled);
  std::cout << "[ bench ] full sync alone (median of " << runs << "): " << a << " s\n"
            << "[ bench ] full sync with 4 clients polling at 10/s:  " << p << " s\n"
            << "[ bench ] ratio: " << p / a << " (target <= 1.05)\n";
}

}  // namespace
}  // namespace tandem::test
