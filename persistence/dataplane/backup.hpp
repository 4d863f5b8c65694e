// backup — the first phase, on the source: one consistent snapshot of every synced table,
// streamed with binary COPY into chunk files in the spool, plus the manifest.
//
// Consistency: one REPEATABLE READ transaction exports its snapshot; the COPY stream and
// the content checksums (computed on a second connection in parallel, importing the
// same snapshot) both read that snapshot, so the manifest describes exactly the chunks.
// Memory: one chunk buffer (chunk_bytes) plus its compressed copy, whatever the size.
// Resume: a snapshot cannot survive a restart, so backup always starts over: it clears
// the spool first.
// Range diff: for a table the target's digest fits, the main connection first hashes the
// snapshot over the digest's ranges (that also gives the table's checksum), then copies
// only the rows of the ranges that differ (ManifestTable::ranges).
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "persistence/dataplane/range_digest.hpp"
#include "persistence/pg/catalog.hpp"
#include "persistence/spool/manifest.hpp"
#include "persistence/spool/spool.hpp"

namespace tandem {

struct BackupRequest {
  std::string conninfo;         // the source database
  pg::TableSelection selection;  // which tables, which rows are left out
  std::string session_id;
  std::string source_node;
  std::int64_t now_ms = 0;      // stamped into the manifest
  std::uint64_t chunk_bytes = 4u << 20;
  bool compress = true;
  int zstd_level = 1;
  // The target's digest (range diff): a table it describes ships only the key ranges
  // whose rows differ. Empty: every table ships whole.
  std::vector<TableDigest> target_digest;
};

// Runs the whole backup; on success the spool holds every chunk and manifest.json.
// Errors name the table (and chunk) that failed; "cancelled" when the token fired.
Result<Manifest> run_backup(const BackupRequest& req, Spool& spool, const ProgressFn& progress,
                            CancelToken& cancel);

}  // namespace tandem
