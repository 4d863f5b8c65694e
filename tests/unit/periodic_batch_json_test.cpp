// The change batch's wire JSON: a round trip keeps every field, and a malformed batch is
// refused with the offending field named (a peer's bad message must not reach apply).
#include <functional>

#include <gtest/gtest.h>

#include "persistence/periodic/change_feed.hpp"

namespace tandem {
namespace {

ChangeBatch sample() {
  ChangeBatch b;
  Change i;
  i.id = 7; i.schema = "public"; i.table = "Mixed Case"; i.op = 'I';
  i.pk = {{"id", 1}};
  i.row = {{"id", 1}, {"amount", "12345678901234567890.50"}, {"tags", {"x", "y"}}, {"note", nullptr}};
  i.origin = "a"; i.changed_at = 1764000000123;
  Change d;
  d.id = 9; d.schema = "public"; d.table = "t"; d.op = 'D';
  d.pk = {{"k1", "x"}, {"k2", 2}}; d.origin = "a"; d.changed_at = 1764000000200;
  b.changes = {i, d};
  b.next = ChangeCursor{"100:105:101,103", "110:112:", 9};
  b.more = true;
  return b;
}

TEST(PeriodicBatchJson, RoundTripKeepsEveryField) {
  ChangeBatch b = sample();
  // Through text, as over the wire.
  auto back = batch_from_json(nlohmann::json::parse(batch_to_json(b).dump()));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  ASSERT_EQ(back->changes.size(), 2u);
  for (std::size_t n = 0; n < 2; ++n) {
    const auto &x = b.changes[n], &y = back->changes[n];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.schema, y.schema);
    EXPECT_EQ(x.table, y.table);
    EXPECT_EQ(x.op, y.op);
    EXPECT_EQ(x.pk, y.pk);
    EXPECT_EQ(x.row, y.row);
    EXPECT_EQ(x.origin, y.origin);
    EXPECT_EQ(x.changed_at, y.changed_at);
  }
  EXPECT_TRUE(back->changes[1].row.is_null());
  EXPECT_EQ(back->next.prev_snapshot, "100:105:101,103");
  EXPECT_EQ(back->next.window_snapshot, "110:112:");
  EXPECT_EQ(back->next.last_id, 9);
  EXPECT_TRUE(back->more);
}

TEST(PeriodicBatchJson, EmptyBatchRoundTrips) {
  ChangeBatch b;
  auto back = batch_from_json(batch_to_json(b));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->changes.empty());
  EXPECT_EQ(back->next.prev_snapshot, "");
  EXPECT_FALSE(back->more);
}

// Each damage names the field it broke.
TEST(PeriodicBatchJson, MalformedBatchesNameTheField) {
  struct Case { std::function<void(nlohmann::json&)> damage; std::string field; };
  std::vector<Case> cases{
      {[](nlohmann::json& j) { j.erase("changes"); }, "changes"},
      {[](nlohmann::json& j) { j["changes"][0]["op"] = "X"; }, "changes[0].op"},
      {[](nlohmann::json& j) { j["changes"][1]["pk"] = nlohmann::json::object(); }, "changes[1].pk"},
      {[](nlohmann::json& j) { j["changes"][0]["row"] = nullptr; }, "changes[0].row"},
      {[](nlohmann::json& j) { j["changes"][1]["id"] = 3; }, "changes[1].id"},
      {[](nlohmann::json& j) { j["changes"][0]["changed_at"] = "soon"; }, "changes[0].changed_at"},
      {[](nlohmann::json& j) { j["next"].erase("window"); }, "next.window"},
      {[](nlohmann::json& j) { j["next"]["last_id"] = "9"; }, "next.last_id"},
      {[](nlohmann::json& j) { j.erase("more"); }, "more"},
  };
  for (const auto& c : cases) {
    auto j = batch_to_json(sample());
    c.damage(j);
    auto r = batch_from_json(j);
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.error().code, "bad_batch");
    EXPECT_EQ(r.error().field, c.field);
  }
  EXPECT_FALSE(batch_from_json(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace tandem
