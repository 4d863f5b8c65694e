// Feeding one table's chunks from the spool into a binary COPY … FROM STDIN: the restore
// loads staging tables this way, and empty target tables directly. Internal to
// persistence/dataplane.
#pragma once

#include <functional>
#include <string>

#include "base/result.hpp"
#include "persistence/dataplane/phase_control.hpp"
#include "persistence/pg/connection.hpp"
#include "persistence/spool/spool.hpp"

namespace tandem {

// One COPY carrying every chunk of `table`: header, each chunk's tuples in chunk order,
// trailer. Memory: one chunk at a time. `after_chunk` runs after each chunk is sent.
// Checks `cancel` between chunks; on any error the COPY is aborted (the server discards
// its rows) and the connection is left ready for ROLLBACK. A damaged spool chunk is
// named in the error.
Status copy_chunks_in(pg::Connection& conn, const std::string& copy_sql, const Manifest& manifest,
                      const ManifestTable& table, const Spool& spool,
                      const std::function<void(const ChunkInfo&)>& after_chunk,
                      const CancelToken& cancel);

}  // namespace tandem
