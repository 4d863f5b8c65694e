// Table patterns and host:port addresses, the two small languages inside the config.
#include <gtest/gtest.h>

#include "config/address.hpp"
#include "config/table_pattern.hpp"

namespace tandem {
namespace {

TEST(ConfigPattern, GlobMatching) {
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("*", "users"));
  EXPECT_TRUE(glob_match("audit_*", "audit_2026"));
  EXPECT_FALSE(glob_match("audit_*", "xaudit_2026"));
  EXPECT_TRUE(glob_match("*_log", "change_log"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
  EXPECT_FALSE(glob_match("Users", "users")) << "names compare case-sensitively";
}

TEST(ConfigPattern, QuotedPartsKeepDotsAndCase) {
  ASSERT_EQ(table_pattern_problem("app.\"Order.Items\""), "");
  auto p = parse_table_pattern("app.\"Order.Items\"");
  EXPECT_EQ(p.schema, "app");
  EXPECT_EQ(p.table, "Order.Items");
  EXPECT_TRUE(matches(parse_table_pattern("public.FullSyncSessions"), "public",
                      "FullSyncSessions"));
  EXPECT_TRUE(matches(parse_table_pattern("public.*"), "public", "Ünïcode tàble"));
  EXPECT_FALSE(matches(parse_table_pattern("public.*"), "audit", "x"));
}

TEST(ConfigPattern, BadPatterns) {
  EXPECT_NE(table_pattern_problem("users"), "");
  EXPECT_NE(table_pattern_problem("a.b.c"), "");
  EXPECT_NE(table_pattern_problem(".x"), "");
  EXPECT_NE(table_pattern_problem("\"unterminated.x"), "");
  EXPECT_NE(table_name_problem("public.*"), "");
  EXPECT_EQ(table_name_problem("public.users"), "");
}

TEST(ConfigAddress, ParsesAndRefuses) {
  auto a = parse_host_port("db.example:5432");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "db.example");
  EXPECT_EQ(a->port, 5432);
  EXPECT_TRUE(parse_host_port("[::1]:1").ok());
  for (const char* bad : {"", "host", "host:", ":80", "host:0", "host:65536", "host:8o",
                          "::1:80", "[::1]80", "ho st:80", "host:123456"})
    EXPECT_FALSE(parse_host_port(bad).ok()) << bad;
}

}  // namespace
}  // namespace tandem
