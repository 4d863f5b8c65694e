// What a node's database holds of the synced tables: columns and types, primary keys,
// identity and generated columns, owned sequences, foreign keys, and an order in which
// parents come before children. Read from pg_catalog in one pass per query.
//
// Partitioned tables are synced through their root (relkind 'p'): reading the root
// returns every partition's rows and writing to it routes them, so partitions themselves
// are never listed (and never copied twice).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "persistence/pg/connection.hpp"

namespace tandem::pg {

struct ColumnInfo {
  std::string name;
  std::string type;        // format_type(): "integer", "character varying(20)", "text[]"
  bool not_null = false;
  bool generated = false;  // GENERATED ALWAYS AS (…) STORED: never copied, recomputed
  char identity = 0;       // 'a' ALWAYS, 'd' BY DEFAULT, 0 not an identity column
};

struct SequenceInfo {
  std::string schema;
  std::string name;
  std::string column;  // the column that owns it (serial / identity)
};

struct ForeignKeyInfo {
  std::string name;
  std::string ref_schema;
  std::string ref_table;
  bool deferrable = false;
};

struct TableInfo {
  std::string schema;
  std::string name;
  bool partitioned = false;
  std::vector<ColumnInfo> columns;        // in attnum order
  std::vector<std::string> primary_key;   // in key order; empty: no primary key
  std::vector<SequenceInfo> sequences;
  std::vector<ForeignKeyInfo> foreign_keys;  // only those pointing at other synced tables
  bool in_fk_cycle = false;  // part of a foreign-key cycle among synced tables
  std::string exclude_predicate;  // from sync.exclude_rows; empty: none

  std::string qualified() const { return schema + "." + name; }  // for messages
  const ColumnInfo* column(const std::string& n) const;
  // Columns a sync copies: all but generated ones.
  std::vector<const ColumnInfo*> copied_columns() const;
};

// Which tables to sync: the config's patterns (SyncConfig's fields, copied so this layer
// does not need the config type).
struct TableSelection {
  std::vector<std::string> tables{"public.*"};
  std::vector<std::string> exclude_tables;
  std::map<std::string, std::string> exclude_rows;  // "schema.table" -> predicate
};

struct Catalog {
  std::vector<TableInfo> tables;  // parents before children; cycles last, by name

  const TableInfo* find(const std::string& schema, const std::string& name) const;
};

// Reads the catalog of the database `conn` is connected to. Schemas tandem owns
// ("tandem", "tandem_staging") are never synced. An exclude_rows key that names no
// selected table is an error (a typo would otherwise sync demo rows).
Result<Catalog> load_catalog(Connection& conn, const TableSelection& selection);

// A table's size from the planner's statistics (rows; 0 when never analyzed) and its
// files (bytes, heap + TOAST), over the whole tree of a partitioned table.
struct SizeEstimate {
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
};
Result<SizeEstimate> estimate_size(Connection& conn, const TableInfo& t);

// Orders tables so that every table comes after the tables its foreign keys point to,
// taking among the tables that may come next the one with the least `weight`
// ("schema.table" -> weight; missing: 0), then the first by name; tables in a cycle come
// last in name order and get in_fk_cycle. Pure; exposed for tests.
void order_by_foreign_keys(std::vector<TableInfo>& tables,
                           const std::map<std::string, std::uint64_t>& weight = {});

}  // namespace tandem::pg
