// The fixture of periodic sync's data-plane tests: two sandbox clusters, driven the way a
// periodic round drives them (fetch on the source node, apply on the other, cursor
// carried over), convergence judged by the data plane's content checksums.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>

#include "persistence/dataplane/session_settings.hpp"
#include "persistence/dataplane/table_checksum.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "tests/support/pg_sandbox.hpp"

namespace tandem::test {

struct Node {
  std::string id;
  PgSandbox* db = nullptr;
  std::unique_ptr<pg::Connection> conn;
  pg::Catalog catalog;

  std::string scalar(const std::string& sql) const { return db->scalar(sql); }
  void exec(const std::string& sql) const { db->exec(sql); }
};

class PeriodicFeed : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_db_ = new PgSandbox();
    b_db_ = new PgSandbox();
  }
  static void TearDownTestSuite() {
    delete a_db_;
    delete b_db_;
  }
  void SetUp() override {
    a_.id = "a";
    a_.db = a_db_;
    b_.id = "b";
    b_.db = b_db_;
    both("DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS tandem CASCADE;"
         "DROP TYPE IF EXISTS mood; CREATE SCHEMA public;");
  }

  static void both(const std::string& sql) {
    a_db_->exec("SET client_min_messages = warning; " + sql);
    b_db_->exec("SET client_min_messages = warning; " + sql);
  }

  // Connects, reads the catalog and installs capture on `n`.
  void install(Node& n, const pg::TableSelection& sel = {}, std::vector<std::string>* warnings = nullptr) {
    auto conn = open_data_plane_connection(n.db->conninfo(), "periodic test");
    ASSERT_TRUE(conn.ok()) << conn.error().describe();
    n.conn = std::make_unique<pg::Connection>(std::move(*conn));
    auto catalog = pg::load_catalog(*n.conn, sel);
    ASSERT_TRUE(catalog.ok()) << catalog.error().describe();
    n.catalog = std::move(*catalog);
    auto s = install_change_capture(*n.conn, n.catalog, n.id, warnings);
    ASSERT_TRUE(s.ok()) << s.error().describe();
  }
  void start(const std::string& ddl, const pg::TableSelection& sel = {}) {
    both(ddl);
    install(a_, sel);
    install(b_, sel);
  }

  // One periodic round from -> to: pages until the feed says there is no more.
  ApplyStats sync(Node& from, Node& to, std::size_t limit = 5000) {
    ApplyStats total;
    auto cursor = load_cursor(*to.conn, from.id);
    EXPECT_TRUE(cursor.ok()) << cursor.error().describe();
    ChangeCursor at = cursor.ok() ? *cursor : ChangeCursor{};
    for (int pages = 0; pages < 1000; ++pages) {
      auto batch = fetch_changes(*from.conn, from.id, to.id, at, limit);
      EXPECT_TRUE(batch.ok()) << batch.error().describe();
      if (!batch.ok()) break;
      // Through the wire format, as the actors send it.
      auto wire = batch_from_json(nlohmann::json::parse(batch_to_json(*batch).dump()));
      EXPECT_TRUE(wire.ok()) << wire.error().describe();
      auto stats = apply_changes(*to.conn, to.catalog, *wire, from.id, to.id, policy_);
      EXPECT_TRUE(stats.ok()) << stats.error().describe();
      if (!stats.ok()) break;
      total.applied += stats->applied;
      total.conflicts += stats->conflicts;
      total.skipped += stats->skipped;
      total.quarantined += stats->quarantined;
      at = batch->next;
      if (!batch->more) break;
    }
    return total;
  }

  // "schema.table" -> "rows:sum" of every user table (the data plane's checksum SQL).
  static std::map<std::string, std::string> sums(const Node& n) {
    auto conn = open_data_plane_connection(n.db->conninfo(), "checksum");
    if (!conn.ok()) throw std::runtime_error(conn.error().describe());
    pg::TableSelection all;
    all.tables = {"*.*"};
    auto catalog = pg::load_catalog(*conn, all);
    if (!catalog.ok()) throw std::runtime_error(catalog.error().describe());
    std::map<std::string, std::string> out;
    for (const auto& t : catalog->tables) {
      auto sum = run_checksum(*conn, checksum_sql(*conn, pg::qualified_name(*conn, t.schema, t.name) + " t",
                                                  "t", hashed_columns(t), "", RowHash::typed));
      if (!sum.ok()) throw std::runtime_error(sum.error().describe());
      out[t.qualified()] = std::to_string(sum->rows) + ":" + sum->sum;
    }
    return out;
  }
  std::int64_t count(const Node& n, const std::string& sql) { return std::stoll(n.scalar(sql)); }

  static inline PgSandbox* a_db_ = nullptr;
  static inline PgSandbox* b_db_ = nullptr;
  Node a_, b_;
  ConflictPolicy policy_;
};

inline const char* kItems = "CREATE TABLE items (id int PRIMARY KEY, name text, qty int);";

}  // namespace tandem::test
