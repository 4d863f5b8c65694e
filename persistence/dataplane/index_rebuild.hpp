// Building an empty table's indexes once, after its load, instead of row by row during
// it: what pg_restore does (it creates the indexes and constraints after the data).
// Restore uses it for the tables it loads directly (empty on the target), inside the
// restore transaction, so a failure or a cancel puts every index and constraint back as
// it was.
//
// Measured (docs/performance.md, "Full sync"): a schema-only copy of the sample app at
// 1M rows loads in 4.0-4.3 s with its indexes in place and in 2.7-3.6 s when they are
// dropped first and built after, foreign keys validated included.
//
// What is rebuilt: the plain indexes and the PRIMARY KEY / UNIQUE constraints of plain,
// unpartitioned tables the role owns, and the foreign keys that reference those (they
// must go while their index is gone). Left in place, maintained row by row as before:
// anything the rebuild could not recreate exactly from pg_get_indexdef /
// pg_get_constraintdef — an index in another tablespace, a comment on it, a key's index
// with storage parameters (fillfactor), the replica identity or CLUSTER index,
// per-column statistics targets, an index attached to a partitioned index, exclusion
// constraints — and a key that a table outside the rebuild references (its foreign key
// would have to be validated against a table that keeps rows). Objects that depend on a
// constraint (a view grouped by a primary key) make the DROP fail; then nothing is
// dropped and the load runs as before.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem {

// Only into a database not yet in use: while the restore runs, the tables whose indexes
// are rebuilt are locked (ACCESS EXCLUSIVE), so an application reading them would wait
// for the whole restore. A target where every synced table is empty or holds fewer than
// kInUseRows rows (a fresh install, perhaps with seeded lookup rows) gets the rebuild;
// one with a bigger table keeps its indexes.
constexpr std::uint64_t kInUseRows = 1000;

struct IndexRebuildStep {
  std::string table;     // "schema.name", for messages
  std::string name;      // index or constraint name
  std::string what;      // "index", "constraint", "foreign key"
  std::string drop_sql;
  std::string create_sql;
};

struct IndexRebuild {
  // Drop order: foreign keys, constraints, indexes; built again in the reverse order.
  std::vector<IndexRebuildStep> steps;
  bool empty() const { return steps.empty(); }
  // The foreign key `constraint` of `table` ("schema.name") is re-added, so validated,
  // by rebuild(): restore need not prove it.
  bool rebuilds_foreign_key(const std::string& table, const std::string& constraint) const;
  std::size_t index_count() const;  // indexes and constraints with an index
};

// What can be rebuilt for `quoted_tables` ("schema"."name"), all empty target tables.
Result<IndexRebuild> plan_index_rebuild(pg::Connection& conn, const std::vector<std::string>& quoted_tables);

// Drops them inside a savepoint. Returns "" when done, or why nothing was dropped (the
// statement that PostgreSQL refused): the load then runs with every index in place.
Result<std::string> drop_for_rebuild(pg::Connection& conn, const IndexRebuild& plan);

// Builds everything again (constraints, indexes, then foreign keys, which validates
// them); an error names the object and its table. Stops before the next statement once
// `cancel` is set (the statement running then is cancelled by the caller's PQcancel).
Status rebuild_indexes(pg::Connection& conn, const IndexRebuild& plan, const CancelToken& cancel);

}  // namespace tandem
