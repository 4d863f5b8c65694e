// tools/sample-app: the schema loads, the data is deterministic and consistent, and
// age.sql turns a copy into an older one (some rows missing, some values older).
#include <gtest/gtest.h>

#include <string>

#include "tests/support/pg_sandbox.hpp"

namespace tandem::test {
namespace {

const char* const kTables[] = {"customers", "products", "orders", "order_items", "\"AuditLog\""};

long count(const PgSandbox& node, const std::string& table) {
  return std::stol(node.scalar("SELECT count(*) FROM " + table));
}

// A content checksum of a whole table, independent of physical row order.
std::string checksum(const PgSandbox& node, const std::string& table) {
  return node.scalar("SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM " + table + " t");
}

TEST(SandboxSampleApp, LoadIsDeterministicAndAgeMakesAnOlderCopy) {
  PgSandbox a;
  PgSandbox b;
  Status loaded_a = a.load_sample_app(0.1);
  ASSERT_TRUE(loaded_a.ok()) << loaded_a.error().describe();
  Status loaded_b = b.load_sample_app(0.1);
  ASSERT_TRUE(loaded_b.ok()) << loaded_b.error().describe();

  // scale 0.1 is a tenth of the ~107K rows of scale 1.
  EXPECT_EQ(count(a, "customers"), 500);
  EXPECT_EQ(count(a, "products"), 100);
  EXPECT_EQ(count(a, "orders"), 2500);
  EXPECT_EQ(count(a, "\"AuditLog\""), 900);
  EXPECT_GT(count(a, "order_items"), 2500);
  EXPECT_GT(std::stol(a.scalar("SELECT count(*) FROM customers WHERE is_demo")), 0);
  for (const char* table : kTables) EXPECT_EQ(checksum(a, table), checksum(b, table)) << table;

  // New rows get ids past the loaded ones (sequences were advanced).
  EXPECT_EQ(a.scalar("INSERT INTO customers (public_id, name, email) VALUES "
                     "('00000000-0000-0000-0000-000000000001', 'n', 'n@x') RETURNING id"),
            "501");

  Status aged = b.run_sql_file(PgSandbox::source_dir() + "/tools/sample-app/age.sql");
  ASSERT_TRUE(aged.ok()) << aged.error().describe();
  long before = 0, after = 0;
  for (const char* table : kTables) {
    before += count(a, table);
    after += count(b, table);
    EXPECT_NE(checksum(a, table), checksum(b, table)) << table << " should differ after age.sql";
  }
  before -= 1;  // the row inserted above
  const double missing = 1.0 - static_cast<double>(after) / static_cast<double>(before);
  EXPECT_GT(missing, 0.03) << before << " -> " << after;
  EXPECT_LT(missing, 0.10) << before << " -> " << after;
  // Foreign keys still hold on the older copy (they are enforced, so this only fails if
  // age.sql bypassed them).
  EXPECT_EQ(b.scalar("SELECT count(*) FROM order_items i LEFT JOIN orders o ON o.id = i.order_id "
                     "WHERE o.id IS NULL"),
            "0");
}

}  // namespace
}  // namespace tandem::test
