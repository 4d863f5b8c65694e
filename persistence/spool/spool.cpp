// The spool directory of one session: chunk files and manifest.json (see spool.hpp).
// Encoding lives in chunk_codec.cpp, crash-safe file writes in durable_file.cpp; this
// file only ties them to paths and maps their errors to the spool's codes.
#include "persistence/spool/spool.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <utility>

#include "base/json_reader.hpp"
#include "persistence/spool/durable_file.hpp"

namespace tandem {
namespace {

constexpr std::uint64_t kMaxManifestBytes = std::uint64_t{1} << 30;

Error chunk_missing(std::uint64_t index, const std::string& path) {
  return make_error("chunk_missing", "chunk " + std::to_string(index) + " is missing (" +
                                         path + " does not exist)",
                    "chunks[" + std::to_string(index) + "]");
}

}  // namespace

Result<Spool> Spool::open(const std::string& dir) {
  std::string clean = dir;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();
  if (auto made = make_private_dirs(clean); !made) return made.error();
  return Spool(clean);
}

std::string Spool::chunk_path(std::uint64_t index) const {
  char name[48];
  std::snprintf(name, sizeof name, "/chunk-%06" PRIu64 ".bin", index);
  return dir_ + name;
}

std::string Spool::manifest_path() const { return dir_ + "/manifest.json"; }

Result<ChunkInfo> Spool::write_chunk(std::uint64_t index, std::uint32_t table,
                                     std::uint64_t rows, const std::string& raw, bool compress,
                                     int zstd_level) {
  auto encoded = encode_chunk(zstd_, raw, compress, zstd_level);
  if (!encoded) return encoded.error();
  ChunkInfo info;
  info.index = index;
  info.table = table;
  info.rows = rows;
  info.raw_bytes = raw.size();
  info.stored_bytes = encoded->stored.size();
  info.checksum = chunk_checksum(encoded->stored);
  info.codec = encoded->codec;
  if (auto written = write_file_durably(chunk_path(index), encoded->stored); !written)
    return written.error();
  return info;
}

Status Spool::store_chunk(const ChunkInfo& info, std::string_view stored) {
  if (auto checked = check_stored_chunk(info, stored); !checked) return checked;
  // Not fsync'd: the source keeps the durable copy until the session ends, and every read
  // checks length and checksum, so a chunk an OS crash damaged is fetched again (the
  // target's restore repairs them) instead of every chunk paying two fsyncs here.
  return replace_file(chunk_path(info.index), stored);
}

Result<std::string> Spool::read_stored(const ChunkInfo& info) const {
  const std::string path = chunk_path(info.index);
  // The size first: a truncated or overlong file is refused before anything is read.
  auto size = file_size(path);
  if (!size) {
    if (size.error().code == "not_found") return chunk_missing(info.index, path);
    return size.error();
  }
  if (*size != info.stored_bytes)
    return chunk_corrupt(info.index, "length expected " + std::to_string(info.stored_bytes) +
                                         " bytes, found " + std::to_string(*size) + " in " +
                                         path);
  auto stored = read_file(path, std::min(info.stored_bytes, kMaxChunkBytes));
  if (!stored) {
    if (stored.error().code == "not_found") return chunk_missing(info.index, path);
    return stored.error();
  }
  if (auto checked = check_stored_chunk(info, *stored); !checked) return checked.error();
  return stored;
}

Result<std::string> Spool::read_raw(const ChunkInfo& info) const {
  auto stored = read_stored(info);
  if (!stored) return stored.error();
  return decode_chunk(zstd_, info, std::move(stored).value());
}

Status Spool::read_raw_to(const ChunkInfo& info, const ChunkSink& sink) const {
  auto stored = read_stored(info);
  if (!stored) return stored.error();
  return decode_chunk_to(zstd_, info, *stored, sink);
}

bool Spool::has_valid_chunk(const ChunkInfo& info) const { return read_stored(info).ok(); }

Status Spool::write_manifest(const Manifest& m) {
  nlohmann::json j = manifest_to_json(m);
  // Refuse here, on the source, what the target would refuse after the whole transfer.
  if (auto valid = manifest_from_json(j); !valid) return valid.error();
  return write_file_durably(manifest_path(), j.dump(1) + "\n");
}

Status Spool::write_digest(const std::string& json_text) {
  return write_file_durably(dir_ + "/digest.json", json_text);
}

Result<std::string> Spool::read_digest() const { return read_file(dir_ + "/digest.json", kMaxManifestBytes); }

Result<Manifest> Spool::read_manifest() const {
  auto text = read_file(manifest_path(), kMaxManifestBytes);
  if (!text) {
    if (text.error().code == "not_found")
      return make_error("spool_io", "no manifest in the spool (" + manifest_path() + ")",
                        manifest_path());
    return text.error();
  }
  JsonErrors errs;
  auto j = parse_json(*text, errs, manifest_path());
  if (!j) return errs.to_error("bad_manifest");
  return manifest_from_json(*j);
}

bool Spool::has_manifest() const { return file_size(manifest_path()).ok(); }

Status Spool::remove_all() { return remove_tree(dir_); }

}  // namespace tandem
