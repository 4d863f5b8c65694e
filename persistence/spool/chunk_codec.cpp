// zstd encode/decode of chunks and their CRC32 checksums (see chunk_codec.hpp).
#include "persistence/spool/chunk_codec.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include <Poco/Checksum.h>
#include <zstd.h>

#include <vector>

#include "persistence/spool/spool.hpp"

namespace tandem {

struct ZstdContexts::Impl {
  struct FreeC { void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); } };
  struct FreeD { void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); } };
  std::unique_ptr<ZSTD_CCtx, FreeC> cctx;
  std::unique_ptr<ZSTD_DCtx, FreeD> dctx;

  ZSTD_CCtx* compressor() {
    if (!cctx) cctx.reset(ZSTD_createCCtx());
    return cctx.get();
  }
  ZSTD_DCtx* decompressor() {
    if (!dctx) dctx.reset(ZSTD_createDCtx());
    return dctx.get();
  }
};

ZstdContexts::ZstdContexts() : impl_(std::make_unique<Impl>()) {}
ZstdContexts::ZstdContexts(const ZstdContexts&) : impl_(std::make_unique<Impl>()) {}
ZstdContexts& ZstdContexts::operator=(const ZstdContexts&) { return *this; }
ZstdContexts::ZstdContexts(ZstdContexts&&) noexcept = default;
ZstdContexts& ZstdContexts::operator=(ZstdContexts&&) noexcept = default;
ZstdContexts::~ZstdContexts() = default;

ZstdContexts::Impl& ZstdContexts::impl() {
  if (!impl_) impl_ = std::make_unique<Impl>();  // a moved-from owner still works
  return *impl_;
}

std::string chunk_checksum(std::string_view stored) {
  // Poco's update() takes an unsigned length: feed it in slices so any size is safe.
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  constexpr std::size_t kSlice = std::size_t{1} << 30;
  for (std::size_t off = 0; off < stored.size(); off += kSlice) {
    std::size_t n = std::min(kSlice, stored.size() - off);
    crc.update(stored.data() + off, static_cast<unsigned>(n));
  }
  char text[16];
  std::snprintf(text, sizeof text, "crc32:%08" PRIx32, static_cast<std::uint32_t>(crc.checksum()));
  return text;
}

Error chunk_corrupt(std::uint64_t index, const std::string& what) {
  return make_error("chunk_corrupt", "chunk " + std::to_string(index) + " is corrupt: " + what,
                    "chunks[" + std::to_string(index) + "]");
}

Result<EncodedChunk> encode_chunk(ZstdContexts& zstd, const std::string& raw, bool compress,
                                  int zstd_level) {
  if (raw.size() > kMaxChunkBytes)
    return make_error("spool_io", "a chunk of " + std::to_string(raw.size()) +
                                      " bytes is over the limit of " +
                                      std::to_string(kMaxChunkBytes));
  EncodedChunk out;
  if (compress && !raw.empty()) {
    std::string frame(ZSTD_compressBound(raw.size()), '\0');
    std::size_t n = ZSTD_compressCCtx(zstd.impl().compressor(), frame.data(), frame.size(),
                                      raw.data(), raw.size(), zstd_level);
    if (ZSTD_isError(n))
      return make_error("spool_io", std::string("zstd compression failed: ") +
                                        ZSTD_getErrorName(n));
    if (n < raw.size()) {
      frame.resize(n);
      out.stored = std::move(frame);
      out.codec = ChunkCodec::zstd;
      return out;
    }
  }
  out.stored = raw;
  out.codec = ChunkCodec::none;
  return out;
}

Status check_stored_chunk(const ChunkInfo& info, std::string_view stored) {
  if (info.stored_bytes > kMaxChunkBytes || info.raw_bytes > kMaxChunkBytes)
    return chunk_corrupt(info.index, "its sizes (" + std::to_string(info.stored_bytes) +
                                         " stored, " + std::to_string(info.raw_bytes) +
                                         " raw) are over the limit of " +
                                         std::to_string(kMaxChunkBytes) + " bytes");
  if (info.codec == ChunkCodec::none && info.raw_bytes != info.stored_bytes)
    return chunk_corrupt(info.index, "uncompressed but raw_bytes " +
                                         std::to_string(info.raw_bytes) + " != stored_bytes " +
                                         std::to_string(info.stored_bytes));
  if (stored.size() != info.stored_bytes)
    return chunk_corrupt(info.index, "length expected " + std::to_string(info.stored_bytes) +
                                         " bytes, found " + std::to_string(stored.size()));
  std::string found = chunk_checksum(stored);
  if (found != info.checksum)
    return chunk_corrupt(info.index, "checksum expected " + info.checksum + ", found " + found);
  if (info.codec == ChunkCodec::zstd) {
    // Cheap (reads the frame header only) and catches a sender's wrong raw_bytes early.
    unsigned long long claimed = ZSTD_getFrameContentSize(stored.data(), stored.size());
    if (claimed != info.raw_bytes)
      return chunk_corrupt(info.index, "zstd frame does not declare raw_bytes " +
                                           std::to_string(info.raw_bytes));
  }
  return ok_status();
}

namespace {

// What a zstd chunk's frame header must say before anything is decompressed.
Status check_frame(const ChunkInfo& info, const std::string& stored) {
  if (info.raw_bytes > kMaxChunkBytes)
    return chunk_corrupt(info.index, "raw_bytes " + std::to_string(info.raw_bytes) +
                                         " is over the limit of " +
                                         std::to_string(kMaxChunkBytes));
  unsigned long long claimed = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (claimed == ZSTD_CONTENTSIZE_ERROR || claimed == ZSTD_CONTENTSIZE_UNKNOWN)
    return chunk_corrupt(info.index, "not a zstd frame with a declared size");
  if (claimed != info.raw_bytes)
    return chunk_corrupt(info.index, "zstd frame claims " + std::to_string(claimed) +
                                         " raw bytes, expected " +
                                         std::to_string(info.raw_bytes));
  return ok_status();
}

Status raw_length(const ChunkInfo& info, std::size_t found) {
  if (found == info.raw_bytes) return ok_status();
  return chunk_corrupt(info.index, "raw length expected " + std::to_string(info.raw_bytes) +
                                       " bytes, found " + std::to_string(found));
}

}  // namespace

Result<std::string> decode_chunk(ZstdContexts& zstd, const ChunkInfo& info,
                                 std::string stored) {
  if (info.codec == ChunkCodec::none) {
    if (auto s = raw_length(info, stored.size()); !s.ok()) return s.error();
    return stored;  // moved: a by-value parameter
  }
  if (auto s = check_frame(info, stored); !s.ok()) return s.error();
  // Reserved from raw_bytes (capped above), never from the frame alone.
  std::string raw;
  raw.reserve(static_cast<std::size_t>(info.raw_bytes));
  auto s = decode_chunk_to(zstd, info, stored, [&](const char* data, std::size_t len) {
    raw.append(data, len);
    return ok_status();
  });
  if (!s.ok()) return s.error();
  return raw;
}

Status decode_chunk_to(ZstdContexts& zstd, const ChunkInfo& info, const std::string& stored,
                       const ChunkSink& sink) {
  if (info.codec == ChunkCodec::none) {
    if (auto s = raw_length(info, stored.size()); !s.ok()) return s;
    return stored.empty() ? ok_status() : sink(stored.data(), stored.size());
  }
  if (auto s = check_frame(info, stored); !s.ok()) return s;
  ZSTD_DCtx* d = zstd.impl().decompressor();
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  std::vector<char> piece(kDecodePiece);
  ZSTD_inBuffer in{stored.data(), stored.size(), 0};
  std::uint64_t total = 0;
  for (;;) {
    ZSTD_outBuffer out{piece.data(), piece.size(), 0};
    std::size_t left = ZSTD_decompressStream(d, &out, &in);
    if (ZSTD_isError(left)) return chunk_corrupt(info.index, std::string("zstd: ") + ZSTD_getErrorName(left));
    total += out.pos;
    if (total > info.raw_bytes)
      return chunk_corrupt(info.index, "decompressed to more than the " + std::to_string(info.raw_bytes) +
                                           " bytes expected");
    if (out.pos > 0)
      if (auto s = sink(piece.data(), out.pos); !s.ok()) return s;
    if (left == 0) break;  // the frame is complete
    if (in.pos == in.size && out.pos < out.size)
      return chunk_corrupt(info.index, "zstd frame ends early");
  }
  if (in.pos != in.size) return chunk_corrupt(info.index, "bytes after the zstd frame");
  if (total != info.raw_bytes)
    return chunk_corrupt(info.index, "decompressed to " + std::to_string(total) + " bytes, expected " +
                                         std::to_string(info.raw_bytes));
  return ok_status();
}

}  // namespace tandem
