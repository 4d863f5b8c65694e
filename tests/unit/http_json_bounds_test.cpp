// parse_json's bounds on untrusted documents: nesting depth and string sizes are refused
// with a message naming the bound, and documents just inside the bounds still parse.
#include <gtest/gtest.h>

#include <string>

#include "base/json_reader.hpp"

namespace tandem {
namespace {

std::string nested_arrays(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') + std::string(static_cast<std::size_t>(depth), ']');
}

std::string nested_objects(int depth) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{\"k\":";
  s += "1";
  for (int i = 0; i < depth; ++i) s += "}";
  return s;
}

TEST(JsonBounds, DepthAtTheLimitParses) {
  JsonErrors errs;
  EXPECT_TRUE(parse_json(nested_arrays(kMaxJsonDepth), errs).has_value());
  EXPECT_TRUE(parse_json(nested_objects(kMaxJsonDepth), errs).has_value());
  EXPECT_TRUE(errs.empty());
}

TEST(JsonBounds, OneLevelDeeperIsRefused) {
  for (const auto& text : {nested_arrays(kMaxJsonDepth + 1), nested_objects(kMaxJsonDepth + 1)}) {
    JsonErrors errs;
    EXPECT_FALSE(parse_json(text, errs, "the body").has_value());
    ASSERT_EQ(errs.items().size(), 1u);
    EXPECT_NE(errs.items()[0].message.find("deeper than 32"), std::string::npos)
        << errs.items()[0].message;
  }
}

TEST(JsonBounds, HugeNestingIsRefusedQuickly) {
  JsonErrors errs;
  // A million levels would exhaust a recursive parser's stack; ours stops at 33.
  EXPECT_FALSE(parse_json(nested_arrays(1000000), errs).has_value());
  EXPECT_FALSE(errs.empty());
}

TEST(JsonBounds, LongStringsAreRefusedAsValuesAndKeys) {
  const std::string ok(kMaxJsonStringBytes, 'x');
  const std::string big(kMaxJsonStringBytes + 1, 'x');
  JsonErrors errs;
  EXPECT_TRUE(parse_json("{\"a\":\"" + ok + "\"}", errs).has_value());
  EXPECT_TRUE(errs.empty());
  for (const auto& text : {"{\"a\":\"" + big + "\"}", "{\"" + big + "\":1}", "[\"" + big + "\"]"}) {
    JsonErrors e;
    EXPECT_FALSE(parse_json(text, e).has_value());
    ASSERT_EQ(e.items().size(), 1u);
    EXPECT_NE(e.items()[0].message.find("longer than 65536 bytes"), std::string::npos);
  }
}

TEST(JsonBounds, LengthIsCountedAfterUnescaping) {
  // 40,000 "\n" escapes are 80,000 bytes of text but 40,000 bytes of string.
  std::string escaped;
  for (int i = 0; i < 40000; ++i) escaped += "\\n";
  JsonErrors errs;
  EXPECT_TRUE(parse_json("[\"" + escaped + "\"]", errs).has_value());
}

TEST(JsonBounds, MalformedJsonStillNamesLineAndColumn) {
  JsonErrors errs;
  EXPECT_FALSE(parse_json("{\n  \"a\": tru\n}", errs, "the body").has_value());
  ASSERT_EQ(errs.items().size(), 1u);
  EXPECT_NE(errs.items()[0].message.find("line 2"), std::string::npos) << errs.items()[0].message;
}

}  // namespace
}  // namespace tandem
