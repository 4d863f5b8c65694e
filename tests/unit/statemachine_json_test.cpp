// Session <-> JSON (the peer link and the API): every field survives, bad input is refused
// with the field's path.
#include <gtest/gtest.h>

#include "statemachine/session_json.hpp"
#include "tests/unit/journal_test_support.hpp"

namespace tandem {
namespace {

using testing::sample_session;

TEST(StatemachineJson, EveryFieldRoundTrips) {
  Session s = sample_session("fs-0123456789abcdef", 1'700'000'000'000);
  auto back = session_from_json(nlohmann::json::parse(session_to_json(s).dump()));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, s);
}

TEST(StatemachineJson, RefusesUnknownSpellingsAndMissingFields) {
  Session s = sample_session("fs-1", 1);
  auto j = session_to_json(s);
  j["state"] = "exploded";
  auto r = session_from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "session.state");

  j = session_to_json(s);
  j["phases"]["transfer"].erase("checkpoint");
  r = session_from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "session.phases.transfer.checkpoint");

  j = session_to_json(s);
  j["phases"]["verify"]["bytes_done"] = -1;
  EXPECT_FALSE(session_from_json(j).ok());
  EXPECT_FALSE(session_from_json(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace tandem
