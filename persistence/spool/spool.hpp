// The spool: one directory per session under <state_dir>/spool/<session id>/, holding
// the chunk files (chunk-000000.bin …) and manifest.json. Both sides use it: backup
// writes chunks on the source, transfer stores received chunks on the target, restore
// reads them back.
//
// Durability: every file is written to a temporary name, fsync'd, renamed into place,
// and the directory fsync'd, so a chunk that exists under its final name is whole; except
// chunks stored from a peer (store_chunk), which skip both fsyncs: the source still holds
// them durably, and a chunk lost to a power loss fails its check and is fetched again.
// Integrity: every read checks the stored length and checksum, so a corrupt or truncated
// chunk is an error naming its index (and the transfer phase re-fetches it).
//
// Ownership: one Spool object per session, used by one thread at a time (it keeps zstd
// contexts for reuse; a copy gets contexts of its own).
//
// Errors: "chunk_missing" (no chunk file), "chunk_corrupt" (length, checksum or zstd
// frame wrong; field "chunks[<index>]", message with expected vs found), "spool_io"
// (a system call failed: the message names the file and the reason, e.g. "No space left
// on device"), "bad_manifest" (manifest.json unreadable or inconsistent).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.hpp"
#include "persistence/spool/chunk_codec.hpp"
#include "persistence/spool/manifest.hpp"

namespace tandem {

class Spool {
 public:
  // Creates the directory (0700, parents included) if missing.
  static Result<Spool> open(const std::string& dir);

  const std::string& dir() const { return dir_; }

  // Encodes `raw` (zstd level `zstd_level` when compress, else as is), checksums the
  // stored bytes, writes the chunk file durably, and returns its ChunkInfo
  // (index/table/rows as given, sizes/checksum/codec filled in). Codec none when not
  // compressing, or when zstd would not make the chunk smaller.
  Result<ChunkInfo> write_chunk(std::uint64_t index, std::uint32_t table, std::uint64_t rows,
                                const std::string& raw, bool compress, int zstd_level = 1);

  // Stores stored bytes received from a peer: checks them against `info` first (length,
  // checksum) and writes nothing when they do not match ("chunk_corrupt"). Written in
  // place by rename but not fsync'd (see Durability above).
  Status store_chunk(const ChunkInfo& info, std::string_view stored);

  // The stored bytes (what crosses the wire), checked against `info`.
  Result<std::string> read_stored(const ChunkInfo& info) const;
  // The raw COPY bytes: read, checked, decompressed, and the size checked again.
  Result<std::string> read_raw(const ChunkInfo& info) const;
  // The same, handed to `sink` piece by piece as decompressed (chunk_codec.hpp,
  // decode_chunk_to): what restore streams into COPY.
  Status read_raw_to(const ChunkInfo& info, const ChunkSink& sink) const;
  // True when the chunk file exists and matches `info` (used to resume a transfer).
  bool has_valid_chunk(const ChunkInfo& info) const;

  Status write_manifest(const Manifest& m);
  // "spool_io" when there is none (see has_manifest), "bad_manifest" when it is invalid.
  Result<Manifest> read_manifest() const;
  bool has_manifest() const;

  // The target's range digest of this session (JSON text, range_digest.hpp), kept so
  // verify can tell the snapshot's rows of a range that was not shipped. Reading when
  // there is none gives "not_found".
  Status write_digest(const std::string& json_text);
  Result<std::string> read_digest() const;

  // Removes the directory and everything in it. Idempotent.
  Status remove_all();

  std::string chunk_path(std::uint64_t index) const;  // <dir>/chunk-000042.bin
  std::string manifest_path() const;                  // <dir>/manifest.json

 private:
  explicit Spool(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
  mutable ZstdContexts zstd_;  // reused across chunks; read_raw() is const but decodes
};

// The checksum of stored chunk bytes, in the manifest's spelling ("crc32:%08x").
std::string chunk_checksum(std::string_view stored);

}  // namespace tandem
