// The manifest of a full sync's backup: what the source's snapshot holds and where each
// byte of it is. Written by backup (source), shipped first in transfer, read by convert,
// restore and verify (target). Frozen format: fields are added, never renamed or
// re-purposed; `format_version` says which fields a reader can expect.
//
// Tables are in foreign-key order (parents first). Each table's rows are one binary
// COPY stream cut at row boundaries into chunks; a chunk holds whole rows of one table,
// without the COPY header and trailer, so any chunk can be loaded on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace tandem {

constexpr int kManifestFormatVersion = 1;

// No chunk (raw or stored) may be larger: bounds every allocation made from a size read
// from a manifest, a peer or a file. Configured chunks are at most 256 MiB.
constexpr std::uint64_t kMaxChunkBytes = std::uint64_t{1} << 30;

enum class ChunkCodec { none, zstd };
const char* to_string(ChunkCodec c);

struct ManifestColumn {
  std::string name;
  std::string type;  // format_type() on the source, compared with the target's
};

struct ManifestSequence {
  std::string schema;
  std::string name;
  std::string column;       // the owning column
  std::int64_t last_value = 0;
  bool is_called = false;   // false: nextval() returns last_value itself
};

// Range diff (dataplane/range_digest.hpp): the snapshot's rows of a table were cut into
// ranges of `key_column` at `bounds` (range i holds keys in [bounds[i-1], bounds[i])), and
// only the ranges listed in `shipped` are in the chunks; every other range hashed alike
// on the target before the backup, so the target already holds those rows.
struct ManifestRanges {
  std::string key_column;
  std::string key_type;
  std::vector<std::string> bounds;     // ascending, text forms
  std::vector<std::uint32_t> shipped;  // ascending range numbers, each <= bounds.size()
};

struct ManifestTable {
  std::string schema;
  std::string name;
  bool partitioned = false;
  std::vector<ManifestColumn> columns;  // the copied columns, in COPY order (no generated)
  std::vector<std::string> primary_key;
  std::vector<ManifestSequence> sequences;
  std::string exclude_predicate;        // rows for which it was true were left out
  std::uint64_t rows = 0;               // rows in the chunks
  std::uint64_t snapshot_rows = 0;      // rows in the snapshot (= rows unless `ranges`)
  std::string checksum;                 // content checksum from SQL, of the whole snapshot
  std::optional<ManifestRanges> ranges;  // set when only some ranges were shipped
  std::uint64_t raw_bytes = 0;          // COPY bytes of all its chunks
  std::uint64_t first_chunk = 0;        // index of its first chunk
  std::uint64_t chunk_count = 0;        // 0 for an empty table
};

struct ChunkInfo {
  std::uint64_t index = 0;      // 0, 1, 2 … across the whole backup
  std::uint32_t table = 0;      // index into Manifest::tables
  std::uint64_t rows = 0;
  std::uint64_t raw_bytes = 0;     // binary COPY bytes before compression
  std::uint64_t stored_bytes = 0;  // bytes in the chunk file / on the wire
  std::string checksum;            // of the stored bytes: "crc32:1a2b3c4d"
  ChunkCodec codec = ChunkCodec::none;
};

struct Manifest {
  int format_version = kManifestFormatVersion;
  std::string session_id;
  std::string source_node;
  std::int64_t created_at = 0;           // ms since epoch
  std::string snapshot_id;               // pg_export_snapshot() (informational)
  std::int64_t change_log_position = 0;  // the newest change id the snapshot saw (informational)
  // txid_current_snapshot() of the backup's transaction: the changes it saw are in the
  // data; periodic sync with the source resumes from here (its cursor's prev snapshot).
  std::string change_log_snapshot;
  // The row hash the tables' checksums were made with (dataplane/table_checksum.hpp):
  // "typed", or "text" (also what a manifest without the field, from an older tandem, used).
  std::string row_hash = "text";
  std::vector<ManifestTable> tables;
  std::vector<ChunkInfo> chunks;         // by index, contiguous from 0

  std::uint64_t total_rows() const;
  std::uint64_t total_raw_bytes() const;
  std::uint64_t total_stored_bytes() const;
};

nlohmann::json manifest_to_json(const Manifest& m);
// Refuses a manifest from a newer format, missing fields, chunk indexes that are not
// 0..n-1, chunks pointing at no table, and table chunk ranges that disagree with the
// chunk list (first_chunk/chunk_count, and their rows and raw_bytes sums), chunk sizes
// over kMaxChunkBytes, and unknown keys. Error "bad_manifest"; its field names the first
// offending path ("chunks[3].table"), its message lists every problem.
// Counts (rows, bytes, indexes) are read back up to 2^63-1, JSON's common integer range.
Result<Manifest> manifest_from_json(const nlohmann::json& j);

}  // namespace tandem
