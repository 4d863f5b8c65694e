// Shared by the Dataplane… suites: a full sync's data plane in one call (backup on the
// source cluster into a fresh spool, then convert, restore and verify on the target),
// and per-table checksums of a whole database to compare two clusters, or one cluster
// before and after, without trusting the code under test.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "persistence/dataplane/restore.hpp"
#include "persistence/pg/catalog.hpp"
#include "tests/support/pg_sandbox.hpp"

namespace tandem::test {

struct SyncOptions {
  SyncMode mode = SyncMode::merge;
  std::uint64_t chunk_bytes = 64 << 10;  // small: tables span several chunks
  bool compress = true;
  pg::TableSelection selection;          // both sides
  pg::TableSelection target_selection;   // used when target_differs
  bool target_differs = false;
  // Range diff: the target's digest is taken first and handed to the backup.
  bool range_diff = false;
  // With range_diff: the range probe first, as a full sync runs it (target probes, source
  // judges, the digest leaves out what was judged not worth it), probing tables from this
  // many rows (0: no probe).
  std::uint64_t probe_from_rows = 0;
  // Called with every backup progress report (from the backup's threads).
  std::function<void(const Spool&, const DataProgress&)> on_backup_progress;
  // Runs between backup and convert (e.g. to damage a chunk file).
  std::function<void(const Spool&, const Manifest&)> before_restore;
  // Called with every restore progress report, and the token (to cancel mid-way).
  std::function<void(const DataProgress&, CancelToken&)> on_restore_progress;
  // Runs between restore and verify (e.g. to change a row behind verify's back).
  std::function<void()> before_verify;
};

struct SyncOutcome {
  std::string failed_phase;   // "" when every phase passed: backup, convert, restore, verify
  Error error;                // the failing phase's error
  Manifest manifest;
  RestorePlan plan;
  RestoreStats stats;
  std::string probe_summary;            // the source's verdict on the probe, for messages
  std::set<std::string> digest_left_out;  // tables the probe took out of the digest
  bool ok() const { return failed_phase.empty(); }
  std::string describe() const { return failed_phase + ": " + error.describe(); }
};

// Backup on `source`, convert + restore + verify on `target`. Each call uses a new
// session id and spool, removed afterwards.
SyncOutcome full_sync(const PgSandbox& source, const PgSandbox& target,
                      const SyncOptions& options = {});

// "schema.table" -> "rows:sum" over the whole table (every non-generated column), for
// every table of the database (public and other user schemas), sorted by name.
std::map<std::string, std::string> table_checksums(const PgSandbox& db);

// Staging tables currently in the database.
int staging_table_count(const PgSandbox& db);

// Fixture with a source and a target cluster shared by a suite; every test starts with
// both databases empty (schema public recreated, tandem_staging dropped).
class DataplaneFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  static PgSandbox& source() { return *source_; }
  static PgSandbox& target() { return *target_; }
  // Runs the same DDL on both clusters.
  static void both(const std::string& sql);

 private:
  static std::unique_ptr<PgSandbox> source_;
  static std::unique_ptr<PgSandbox> target_;
};

}  // namespace tandem::test
