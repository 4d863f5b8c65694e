// The API's streams and scrapes against two real daemons: Server-Sent Events carry a
// full sync's progress and its end; /metrics is valid Prometheus text with the figures.
#include <gtest/gtest.h>

#include <algorithm>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;

struct SseEvent {
  std::string event;
  json data;
};

// Reads events until `stop` says so or 60 s pass.
std::vector<SseEvent> read_events(const TandemNode& node,
                                  const std::function<bool(const SseEvent&)>& stop) {
  std::vector<SseEvent> events;
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(node.http_port()));
  s.setTimeout(Poco::Timespan(60, 0));
  Poco::Net::HTTPRequest req("GET", "/api/admin/sync/events", Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Authorization", "Bearer " + node.token());
  s.sendRequest(req);
  Poco::Net::HTTPResponse resp;
  std::istream& in = s.receiveResponse(resp);
  EXPECT_EQ(resp.getStatus(), 200);
  EXPECT_EQ(resp.getContentType(), "text/event-stream");
  std::string line, name, data;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::getline(in, line) && std::chrono::steady_clock::now() < deadline) {
    if (line.rfind("event: ", 0) == 0) name = line.substr(7);
    else if (line.rfind("data: ", 0) == 0) data += line.substr(6);
    else if (line.empty() && !name.empty()) {
      events.push_back({name, json::parse(data, nullptr, false)});
      name.clear();
      data.clear();
      if (stop(events.back())) break;
    }
  }
  return events;
}

TEST(ApiStream, EventsCarryAFullSyncFromStartToEnd) {
  TwoNodes n(0.3, false);
  // Restore and verify of 32K rows take a few ms now: hold convert for a second so the
  // stream (sampled every 250 ms) is sure to see the steps change after the transfer.
  n.b->env().push_back("TANDEM_FAILPOINTS=convert_plan=sleep:1000");
  n.a->start();
  n.b->start();
  std::vector<SseEvent> events;
  std::thread reader([&] {
    events = read_events(*n.b, [](const SseEvent& e) {
      // The last word: the progress event of the ended session (its state event comes
      // just before it in the same round).
      return e.event == "progress" && e.data.value("state", "") == "succeeded";
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  // Uncompressed and capped, so the transfer lasts long enough to be seen moving.
  auto start = n.b->start_full_sync("pull", "a",
                                    {{"compressionEnabled", false}, {"bandwidthLimitMBps", 1}});
  ASSERT_EQ(start.status, 202) << start.body;
  reader.join();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().event, "hello");
  std::set<std::string> steps;
  for (const auto& e : events)
    if (e.event == "progress") steps.insert(e.data.value("currentStep", ""));
  std::string seen;
  for (const auto& st : steps) seen += "[" + st + "] ";
  EXPECT_GE(steps.size(), 3u) << "progress events show the steps changing: " << seen;
  EXPECT_EQ(events.back().data.value("state", ""), "succeeded");
  EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const SseEvent& e) {
    return e.event == "state" && e.data.value("state", "") == "succeeded";
  })) << "a state event says it ended";
}

TEST(ApiStream, MetricsAreValidPrometheusText) {
  TwoNodes n(0.05);
  auto start = n.b->start_full_sync("pull", "a");
  ASSERT_EQ(start.status, 202);
  ASSERT_EQ(n.b->wait_finished(start.json()["sessionId"]).value("state", ""), "succeeded");
  auto m = n.b->get("/metrics");
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(http_request(n.b->http_port(), "GET", "/metrics").status, 401);
  std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?([0-9.]+(e[+-]?[0-9]+)?|\+Inf|NaN)$)");
  std::istringstream lines(m.body);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 10);
  EXPECT_NE(m.body.find("tandem_full_sync_sessions{state=\"succeeded\"} 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("tandem_peer_up{peer=\"a\"} 1"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("tandem_full_sync_phase_seconds_count{phase=\"restore\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace tandem::test
