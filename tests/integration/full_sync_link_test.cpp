// The node-to-node link under abuse and limits: garbage on the actor port, a stranger's
// messages to the gateway, and the bandwidth cap holding a transfer to its rate.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using nlohmann::json;
using namespace std::chrono;

void send_garbage(int port, std::size_t bytes, unsigned seed) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::mt19937 rng(seed);
    std::string junk(bytes, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(milliseconds(100));
  }
  ::close(fd);
}

TEST(FullSyncLink, GarbageAndStrangersAreDroppedAndTheNodeKeepsWorking) {
  TwoNodes n(0.02);
  for (unsigned i = 0; i < 20; ++i) send_garbage(n.a->actor_port(), 64 + i * 97, i);
  {
    // A CAF node that is not a peer: it can reach the gateway, but nothing it sends is
    // taken (unknown node, wrong messages).
    caf::actor_system_config cfg;
    cfg.load<caf::io::middleman>();
    caf::actor_system sys{cfg};
    auto gw = sys.middleman().remote_actor("127.0.0.1", static_cast<std::uint16_t>(n.a->actor_port()));
    ASSERT_TRUE(gw) << sys.render(gw.error());
    caf::scoped_actor self{sys};
    bool refused = false;
    self->request(*gw, seconds(5), std::string("give me your data"), 42)
        .receive([&](const caf::message&) {}, [&](caf::error&) { refused = true; });
    EXPECT_TRUE(refused);
    refused = false;
    self->request(*gw, seconds(5), caf::atom("hello"), std::string("mallory"), std::string(32, 'a'))
        .receive([&](const caf::message&) {}, [&](caf::error&) { refused = true; });
    EXPECT_TRUE(refused) << "a node that is not in peers gets no challenge";
  }
  EXPECT_NE(n.a->log().find("dropped an unexpected message"), std::string::npos) << n.a->log();
  EXPECT_NE(n.a->log().find("unknown node \"mallory\""), std::string::npos) << n.a->log();
  ASSERT_TRUE(n.a->healthy());
  auto id = n.b->start_full_sync("pull", "a").json().value("sessionId", "");
  EXPECT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();
}

TEST(FullSyncLink, TheBandwidthCapHoldsTheTransferToItsRate) {
  TwoNodes n(0.25);
  const double cap_mbps = 1.0;
  auto id = n.b->start_full_sync("pull", "a",
                                 {{"compressionEnabled", false}, {"bandwidthLimitMBps", cap_mbps}})
                .json().value("sessionId", "");
  ASSERT_EQ(n.b->wait_finished(id, seconds(120)).value("state", ""), "succeeded");
  auto detail = n.b->get("/api/admin/sync/sessions/" + id).json();
  json transfer;
  for (const auto& p : detail["phases"])
    if (p["phase"] == "transfer") transfer = p;
  ASSERT_TRUE(transfer.is_object()) << detail.dump();
  double bytes = transfer["bytesTotal"].get<double>();
  ASSERT_GT(bytes, 1.5e6) << "enough data to measure a rate";
  // Durations from the ISO timestamps' milliseconds: the API gives ms precision.
  auto ms = [](const std::string& iso) {
    std::tm tm{};
    strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
    return static_cast<double>(timegm(&tm)) * 1000 + std::stoi(iso.substr(20, 3));
  };
  double secs = (ms(transfer["finishedAt"]) - ms(transfer["startedAt"])) / 1000.0;
  double rate = bytes / secs / 1e6;
  std::cout << "transfer of " << bytes << " bytes took " << secs << " s: " << rate
            << " MB/s with a cap of " << cap_mbps << " MB/s\n";
  EXPECT_LE(rate, cap_mbps * 1.1);
  EXPECT_GE(rate, cap_mbps * 0.5) << "the cap should not slow it far below the set rate";
}

}  // namespace
}  // namespace tandem::test
