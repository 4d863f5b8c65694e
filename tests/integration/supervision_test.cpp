// Supervision: when an actor of the node dies (here the job manager, made to throw by a
// fail point), the node supervisor restarts the node's actors with back-off and the node
// works again: API answers, peer link, a full sync.
#include <gtest/gtest.h>

#include "tests/support/tandem_node.hpp"

namespace tandem::test {
namespace {

using namespace std::chrono;

TEST(Supervision, ACrashedManagerIsRestartedAndTheNodeWorksAgain) {
  TwoNodes n(0.02, false);
  n.b->env().push_back("TANDEM_FAILPOINTS=manager_list=throw_once");
  n.a->start();
  n.b->start();
  auto first = n.b->get("/api/admin/sync/sessions");
  EXPECT_EQ(first.status, 503) << first.body;  // the manager died answering it
  ASSERT_TRUE(wait_until([&] { return n.b->get("/api/admin/sync/sessions").status == 200; },
                         seconds(15)))
      << n.b->log();
  EXPECT_NE(n.b->log().find("restarting the node's actors"), std::string::npos) << n.b->log();
  auto id = n.b->start_full_sync("pull", "a").json().value("sessionId", "");
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(n.b->wait_finished(id).value("state", ""), "succeeded") << n.b->log();
  EXPECT_TRUE(n.b->healthy());
}

}  // namespace
}  // namespace tandem::test
