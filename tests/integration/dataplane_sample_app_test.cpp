// A realistic round trip: the sample app (uuid/jsonb/numeric keys, composite keys,
// identity, a mixed-case table, ~10K rows) on the source, its aged older copy on the
// target. A merge full sync verifies; a mirror one then makes every table equal.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/integration/dataplane_test_support.hpp"

namespace tandem::test {
namespace {

TEST(DataplaneSampleApp, AgedCopyCatchesUpWithMergeThenEqualsWithMirror) {
  PgSandbox source;
  PgSandbox target;
  ASSERT_TRUE(source.load_sample_app(0.1).ok());
  ASSERT_TRUE(target.load_sample_app(0.1, /*aged=*/true).ok());
  ASSERT_NE(table_checksums(source), table_checksums(target));

  SyncOptions o;
  o.chunk_bytes = 256 << 10;
  auto started = std::chrono::steady_clock::now();
  auto merged = full_sync(source, target, o);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(merged.ok()) << merged.describe();
  EXPECT_GT(merged.stats.rows_inserted + merged.stats.rows_updated, 0u);
  std::cout << "merge: " << merged.manifest.total_rows() << " rows, "
            << merged.manifest.total_raw_bytes() << " raw bytes, " << merged.manifest.chunks.size()
            << " chunks; inserted " << merged.stats.rows_inserted << ", updated "
            << merged.stats.rows_updated << " in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n";

  o.mode = SyncMode::mirror;
  auto mirrored = full_sync(source, target, o);
  ASSERT_TRUE(mirrored.ok()) << mirrored.describe();
  EXPECT_EQ(mirrored.stats.rows_updated, 0u);  // merge already brought every row over
  EXPECT_EQ(table_checksums(source), table_checksums(target));
  std::cout << "mirror: deleted " << mirrored.stats.rows_deleted << " target-only rows\n";
}

}  // namespace
}  // namespace tandem::test
