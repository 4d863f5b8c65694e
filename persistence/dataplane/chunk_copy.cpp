#include "persistence/dataplane/chunk_copy.hpp"

#include <optional>

#include "base/failpoint.hpp"
#include "persistence/dataplane/copy_binary.hpp"

namespace tandem {
namespace {

// Leaves COPY mode (the server discards the rows) so that ROLLBACK can run.
Error abort_copy(pg::Connection& conn, const Error& e) {
  (void)conn.copy_in_end("tandem restore stopped: " + e.message);
  return e;
}

}  // namespace

Status copy_chunks_in(pg::Connection& conn, const std::string& copy_sql, const Manifest& manifest,
                      const ManifestTable& table, const Spool& spool,
                      const std::function<void(const ChunkInfo&)>& after_chunk,
                      const CancelToken& cancel) {
  if (cancel.cancelled()) return cancelled_error("restore");
  if (auto s = conn.copy_in_begin(copy_sql); !s.ok()) return s;
  const auto& header = copy_binary_header();
  if (auto s = conn.copy_in_put(header.data(), header.size()); !s.ok()) return abort_copy(conn, s.error());
  for (std::uint64_t c = table.first_chunk; c < table.first_chunk + table.chunk_count; ++c) {
    if (cancel.cancelled()) return abort_copy(conn, cancelled_error("restore"));
    const ChunkInfo& info = manifest.chunks.at(c);
    // Streamed as decompressed: a damaged frame found half-way aborts the COPY, so the
    // pieces sent before it are discarded with the rest.
    std::optional<Error> put_failed;
    auto read = spool.read_raw_to(info, [&](const char* data, std::size_t len) {
      auto s = conn.copy_in_put(data, len);
      if (!s.ok()) put_failed = s.error();
      return s;
    });
    if (put_failed) return abort_copy(conn, *put_failed);
    if (!read.ok())
      // The message names the chunk; the code tells the target job to fetch it again.
      return abort_copy(conn, make_error(read.error().code, read.error().message));
    if (after_chunk) after_chunk(info);
    failpoint("restore_chunk");
  }
  const auto& trailer = copy_binary_trailer();
  if (auto s = conn.copy_in_put(trailer.data(), trailer.size()); !s.ok()) return abort_copy(conn, s.error());
  return conn.copy_in_end();
}

}  // namespace tandem
