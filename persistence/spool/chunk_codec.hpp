// Chunk bytes on disk and on the wire: optional zstd compression and the CRC32 checksum.
// Pure (no files): spool.cpp does the I/O around it.
//
// Encoding: with compression on, the raw COPY bytes are compressed as one zstd frame that
// records its content size. When that frame is not smaller than the raw bytes (random or
// already-compressed data, tiny or empty chunks) the chunk is stored as is, codec none, so
// a chunk never costs more than its raw size.
//
// Decoding trusts nothing it reads: the frame's claimed size must equal the manifest's
// raw_bytes, which itself is capped at kMaxChunkBytes (manifest.hpp) before anything is
// allocated.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "persistence/spool/manifest.hpp"

namespace tandem {

// zstd's compression and decompression contexts, created on first use and reused, so a
// backup of thousands of chunks does not allocate a compressor per chunk. Not thread-safe:
// one owner (a Spool) at a time. A copy starts with fresh contexts of its own.
class ZstdContexts {
 public:
  ZstdContexts();
  ZstdContexts(const ZstdContexts&);
  ZstdContexts& operator=(const ZstdContexts&);
  ZstdContexts(ZstdContexts&&) noexcept;
  ZstdContexts& operator=(ZstdContexts&&) noexcept;
  ~ZstdContexts();

  struct Impl;
  Impl& impl();

 private:
  std::unique_ptr<Impl> impl_;
};

struct EncodedChunk {
  std::string stored;
  ChunkCodec codec = ChunkCodec::none;
};

// Compresses `raw` when `compress` (falling back to codec none as described above).
Result<EncodedChunk> encode_chunk(ZstdContexts& zstd, const std::string& raw, bool compress,
                                  int zstd_level);

// The raw bytes of chunk `info.index` from its stored bytes (already checksum-checked;
// taken by value so an uncompressed chunk is handed back without a copy).
// "chunk_corrupt" when the frame is damaged or its size is not info.raw_bytes.
Result<std::string> decode_chunk(ZstdContexts& zstd, const ChunkInfo& info,
                                 std::string stored);

// The same, handed to `sink` in pieces of at most kDecodePiece bytes as they are
// decompressed, so a 4 MiB chunk never sits in memory whole (restore's loaders stream
// them into COPY). A damaged frame can be found after some pieces went out: the caller
// must then discard them (restore aborts the COPY). The sink's own error stops it and
// comes back as is.
constexpr std::size_t kDecodePiece = 256 << 10;
using ChunkSink = std::function<Status(const char* data, std::size_t len)>;
Status decode_chunk_to(ZstdContexts& zstd, const ChunkInfo& info, const std::string& stored,
                       const ChunkSink& sink);

// Checks stored bytes against the ChunkInfo that describes them: sizes within
// kMaxChunkBytes, length, checksum, and for zstd the frame's declared content size.
// "chunk_corrupt" naming the index, what was expected and what was found.
Status check_stored_chunk(const ChunkInfo& info, std::string_view stored);

// An Error "chunk_corrupt" about chunk `index` (field "chunks[<index>]").
Error chunk_corrupt(std::uint64_t index, const std::string& what);

}  // namespace tandem
