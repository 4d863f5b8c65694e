// CAF 0.17.6 smoke test: a local request/response, and one over the middleman on
// loopback with a registered message type (an unregistered type fails quietly in 0.17,
// so the round trip of a custom struct is the thing to prove).
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace tandem {

struct caf_probe {
  std::string text;
  std::uint64_t n = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, caf_probe& x) {
  return f(caf::meta::type_name("tandem::caf_probe"), x.text, x.n);
}

namespace {

caf::behavior doubler() {
  return {[](const caf_probe& p) { return caf_probe{p.text + p.text, p.n * 2}; }};
}

struct CafFixture : ::testing::Test {
  CafFixture() {
    cfg.add_message_type<caf_probe>("tandem::caf_probe");
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  ~CafFixture() override {
    sys->await_all_actors_done();
  }
  caf::actor_system_config cfg;  // must outlive the system
  std::unique_ptr<caf::actor_system> sys;
};

TEST_F(CafFixture, LocalRequestResponse) {
  auto a = sys->spawn(doubler);
  {
    caf::scoped_actor self{*sys};
    bool got = false;
    self->request(a, std::chrono::seconds(5), caf_probe{"ab", 21})
        .receive([&](const caf_probe& r) {
                   got = true;
                   EXPECT_EQ(r.text, "abab");
                   EXPECT_EQ(r.n, 42u);
                 },
                 [&](caf::error& e) { ADD_FAILURE() << sys->render(e); });
    EXPECT_TRUE(got);
  }
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_F(CafFixture, RemoteRoundTripOverLoopback) {
  auto a = sys->spawn(doubler);
  auto port = sys->middleman().publish(a, 0, "127.0.0.1", true);
  ASSERT_TRUE(port) << sys->render(port.error());
  auto remote = sys->middleman().remote_actor("127.0.0.1", *port);
  ASSERT_TRUE(remote) << sys->render(remote.error());
  {
    caf::scoped_actor self{*sys};
    bool got = false;
    self->request(*remote, std::chrono::seconds(5), caf_probe{"x", 5})
        .receive([&](const caf_probe& r) {
                   got = true;
                   EXPECT_EQ(r.text, "xx");
                   EXPECT_EQ(r.n, 10u);
                 },
                 [&](caf::error& e) { ADD_FAILURE() << sys->render(e); });
    EXPECT_TRUE(got);
  }
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  sys->middleman().unpublish(a, *port);
}

}  // namespace
}  // namespace tandem
