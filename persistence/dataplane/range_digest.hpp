// Range diff: a full sync into an older copy need not move the rows that did not change.
// Before the backup, the target cuts each table's kept rows into ranges of its first
// primary-key column and hashes every range (row count + sum of the typed row hashes,
// table_checksum.hpp): its digest. The source hashes its snapshot over the same ranges
// and backs up only the ranges whose count or sum differ; a range that hashed alike
// holds the same rows on both sides, so the target leaves it alone (DESIGN.md, "Data
// plane choices": rsync's idea, on rows). The ranges' sums add up to the snapshot's
// table checksum, so the source's checksum scan is not repeated for such a table.
//
// Merge mode only (in mirror mode a range that hashed alike has nothing to delete
// either, but plan_restore refuses the combination until mirror deletes are bounded by
// range). A table is cut only when its first key column is of a type both sides order
// and print exactly alike (integers, uuid, dates, timestamps; text under COLLATE "C").
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "persistence/dataplane/table_checksum.hpp"
#include "persistence/pg/catalog.hpp"
#include "persistence/spool/manifest.hpp"

namespace tandem {

// Rows per range: at least this many, no more than kMaxRanges ranges a table and
// kMaxDigestRanges in all (the digest travels in the backup request, whose body a peer
// takes up to 1 MiB, and the bounds in the manifest).
constexpr std::uint64_t kMinRangeRows = 256;
constexpr std::uint64_t kMaxRanges = 4096;
constexpr std::uint64_t kMaxDigestRanges = 12000;

struct RangeSum {
  std::uint64_t rows = 0;
  std::string sum = "0";  // decimal text, as TableChecksum::sum
  bool operator==(const RangeSum& o) const { return rows == o.rows && sum == o.sum; }
};

struct TableDigest {
  std::string schema;
  std::string name;
  std::string key_column;             // the first primary-key column
  std::string key_type;               // its format_type()
  std::vector<HashedColumn> columns;  // the columns hashed, in order (the target's copied ones)
  std::vector<std::string> bounds;    // ascending key values (text); range i is [bounds[i-1], bounds[i])
  std::vector<RangeSum> sums;         // bounds.size() + 1 entries, one per range
};

// Whether a column of this type (format_type()) can cut ranges.
bool can_cut_ranges(const std::string& type);

// The SQL expression giving a row's range number, 0 … bounds.size():
// width_bucket(<alias>.<key>, ARRAY[…]::<type>[]).
std::string range_number_sql(const pg::Connection& conn, const std::string& alias,
                             const std::string& key_column, const std::string& key_type,
                             const std::vector<std::string>& bounds);

// "<range number> = ANY ('{…}'::int[])": the rows of the listed ranges.
std::string in_ranges_sql(const pg::Connection& conn, const std::string& alias,
                          const ManifestRanges& ranges);

// Per-range sums and the whole table's over `from_clause` (rows matching `where`, "" all).
struct RangeHashes {
  std::vector<RangeSum> ranges;  // bounds.size() + 1 entries
  RangeSum total;
};
Result<RangeHashes> hash_ranges(pg::Connection& conn, const std::string& from_clause,
                                const std::string& where, const TableDigest& digest);

// The target's digest of every selected table that can be cut (others are left out:
// the source ships them whole), but those named in `leave_out` ("schema.name": the range
// probe found the digest would not pay for them, range_probe.hpp).
Result<std::vector<TableDigest>> run_digest(const std::string& conninfo,
                                            const pg::TableSelection& selection,
                                            CancelToken& cancel,
                                            const std::set<std::string>& leave_out = {});

// Rows of a table: the planner's estimate, or a count when it knows nothing useful.
Result<std::uint64_t> estimated_rows(pg::Connection& conn, const pg::TableInfo& t);

// Rows per range when the selected tables hold `total_rows` in all: at least
// kMinRangeRows, and no more than kMaxDigestRanges ranges in all.
std::uint64_t rows_per_range(std::uint64_t total_rows);

// Whether the key type is an integer (smallint, integer, bigint).
bool is_integer_type(const std::string& type);

// The digest as JSON (it travels from the target to the source), and back: a digest
// from a peer is checked (key types that can cut ranges, one sum per range, bounds
// within kMaxRanges) before any of it reaches SQL; errors name the table.
nlohmann::json digest_to_json(const std::vector<TableDigest>& digest);
Result<std::vector<TableDigest>> digest_from_json(const nlohmann::json& j);

// Rows the target holds in the digested table (all ranges).
std::uint64_t digest_rows(const TableDigest& digest);

// Whether `digest` describes `table` as the source sees it (same key column and type,
// same hashed columns): only then may the source compare ranges.
bool digest_fits(const TableDigest& digest, const pg::TableInfo& table);

}  // namespace tandem
