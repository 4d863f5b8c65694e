// Chunk encoding without files: checksums, zstd round trips, the fall-back to codec none,
// and the checks that refuse damaged or lying chunks before they are trusted.
#include <gtest/gtest.h>

#include <algorithm>

#include "persistence/spool/chunk_codec.hpp"
#include "persistence/spool/spool.hpp"
#include "spool_test_support.hpp"

namespace tandem {
namespace {

using testing::random_bytes;
using testing::row_like_bytes;

ChunkInfo info_for(std::uint64_t index, const std::string& raw, const EncodedChunk& e) {
  ChunkInfo info;
  info.index = index;
  info.raw_bytes = raw.size();
  info.stored_bytes = e.stored.size();
  info.checksum = chunk_checksum(e.stored);
  info.codec = e.codec;
  return info;
}

TEST(SpoolCodec, ChecksumIsStandardCrc32) {
  EXPECT_EQ(chunk_checksum("123456789"), "crc32:cbf43926");  // the CRC-32 check value
  EXPECT_EQ(chunk_checksum(""), "crc32:00000000");
  EXPECT_NE(chunk_checksum("a"), chunk_checksum("b"));
}

TEST(SpoolCodec, CompressibleRoundTrip) {
  ZstdContexts zstd;
  const std::string raw = row_like_bytes(1 << 20);
  auto e = encode_chunk(zstd, raw, true, 1);
  ASSERT_TRUE(e.ok()) << e.error().describe();
  EXPECT_EQ(e->codec, ChunkCodec::zstd);
  EXPECT_LT(e->stored.size(), raw.size() / 4);
  ChunkInfo info = info_for(0, raw, *e);
  ASSERT_TRUE(check_stored_chunk(info, e->stored).ok());
  auto back = decode_chunk(zstd, info, e->stored);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, raw);
}

TEST(SpoolCodec, ContextsAreReusedAcrossChunksAndLevels) {
  ZstdContexts zstd;
  for (int level : {1, 3, 9, 1}) {
    const std::string raw = row_like_bytes(100'000 + static_cast<std::size_t>(level));
    auto e = encode_chunk(zstd, raw, true, level);
    ASSERT_TRUE(e.ok());
    auto back = decode_chunk(zstd, info_for(0, raw, *e), e->stored);
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(*back, raw);
  }
  ZstdContexts copy = zstd;  // a copy works on its own contexts
  const std::string raw = row_like_bytes(5000);
  auto e = encode_chunk(copy, raw, true, 1);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(*decode_chunk(copy, info_for(0, raw, *e), e->stored), raw);
}

TEST(SpoolCodec, IncompressibleBytesAreStoredAsIs) {
  ZstdContexts zstd;
  const std::string raw = random_bytes(256 * 1024);
  auto e = encode_chunk(zstd, raw, true, 1);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->codec, ChunkCodec::none);
  EXPECT_EQ(e->stored, raw);
}

TEST(SpoolCodec, EmptyAndUncompressedChunks) {
  ZstdContexts zstd;
  for (bool compress : {true, false}) {
    auto e = encode_chunk(zstd, "", compress, 1);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->codec, ChunkCodec::none);
    EXPECT_TRUE(e->stored.empty());
  }
  auto plain = encode_chunk(zstd, row_like_bytes(10'000), false, 1);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->codec, ChunkCodec::none);
  EXPECT_EQ(plain->stored, row_like_bytes(10'000));
}

TEST(SpoolCodec, CheckNamesIndexAndExpectedVersusFound) {
  ZstdContexts zstd;
  const std::string raw = row_like_bytes(50'000);
  auto e = encode_chunk(zstd, raw, true, 1);
  ASSERT_TRUE(e.ok());
  ChunkInfo info = info_for(7, raw, *e);

  std::string flipped = e->stored;
  flipped[flipped.size() / 2] ^= 0x01;
  auto bad = check_stored_chunk(info, flipped);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "chunk_corrupt");
  EXPECT_EQ(bad.error().field, "chunks[7]");
  EXPECT_NE(bad.error().message.find("chunk 7"), std::string::npos);
  EXPECT_NE(bad.error().message.find(info.checksum), std::string::npos);
  EXPECT_NE(bad.error().message.find(chunk_checksum(flipped)), std::string::npos);

  auto short_one = check_stored_chunk(info, e->stored.substr(1));
  ASSERT_FALSE(short_one.ok());
  EXPECT_NE(short_one.error().message.find("length expected " +
                                           std::to_string(e->stored.size())),
            std::string::npos)
      << short_one.error().message;
}

TEST(SpoolCodec, RefusesFrameClaimingAnotherSize) {
  ZstdContexts zstd;
  const std::string raw = row_like_bytes(40'000);
  auto e = encode_chunk(zstd, raw, true, 1);
  ASSERT_TRUE(e.ok());
  // A sender that lies about raw_bytes, with a checksum that matches its bytes.
  for (std::uint64_t lie : {raw.size() - 1, raw.size() + 1, std::uint64_t{1} << 29}) {
    ChunkInfo info = info_for(3, raw, *e);
    info.raw_bytes = lie;
    EXPECT_EQ(check_stored_chunk(info, e->stored).error().code, "chunk_corrupt");
    auto r = decode_chunk(zstd, info, e->stored);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "chunk_corrupt");
    EXPECT_NE(r.error().message.find("claims " + std::to_string(raw.size())), std::string::npos)
        << r.error().message;
  }
}

TEST(SpoolCodec, RefusesHugeClaimsWithoutAllocating) {
  ZstdContexts zstd;
  // A valid frame header claiming 4 GiB of content: neither the frame nor a manifest
  // that agrees with it may make us allocate that much.
  const std::string small = row_like_bytes(1000);
  auto e = encode_chunk(zstd, small, true, 1);
  ASSERT_TRUE(e.ok());
  ChunkInfo info = info_for(9, small, *e);
  info.raw_bytes = std::uint64_t{4} << 30;
  auto r = decode_chunk(zstd, info, e->stored);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("over the limit"), std::string::npos) << r.error().message;
  EXPECT_FALSE(check_stored_chunk(info, e->stored).ok());
}

TEST(SpoolCodec, RefusesGarbageFrame) {
  ZstdContexts zstd;
  const std::string garbage = random_bytes(1000, 7);
  ChunkInfo info;
  info.index = 4;
  info.raw_bytes = 2000;
  info.stored_bytes = garbage.size();
  info.checksum = chunk_checksum(garbage);
  info.codec = ChunkCodec::zstd;
  auto r = decode_chunk(zstd, info, garbage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "chunk_corrupt");
  EXPECT_EQ(r.error().field, "chunks[4]");
}

TEST(SpoolCodec, RefusesDamagedFrameBodyWithRightSizeHeader) {
  ZstdContexts zstd;
  const std::string raw = row_like_bytes(200'000);
  auto e = encode_chunk(zstd, raw, true, 1);
  ASSERT_TRUE(e.ok());
  std::string damaged = e->stored;
  damaged.resize(damaged.size() - 10);  // header intact, body cut short
  ChunkInfo info = info_for(5, raw, *e);
  auto r = decode_chunk(zstd, info, damaged);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "chunk_corrupt");
}

// Restore streams chunks into COPY piece by piece: the pieces are the raw bytes in order,
// none larger than kDecodePiece, a body cut short is refused (after some pieces went out,
// which the caller discards), and the sink's own error stops the decoding as it is.
TEST(SpoolCodec, DecodesInPiecesRefusesACutBodyAndPassesTheSinksError) {
  ZstdContexts zstd;
  const std::string raw = row_like_bytes(3 * kDecodePiece + 1234);
  auto e = encode_chunk(zstd, raw, true, 1);
  ASSERT_TRUE(e.ok());
  ChunkInfo info = info_for(6, raw, *e);
  std::string back;
  std::size_t pieces = 0, largest = 0;
  auto collect = [&](const char* data, std::size_t len) {
    back.append(data, len);
    ++pieces;
    largest = std::max(largest, len);
    return ok_status();
  };
  ASSERT_TRUE(decode_chunk_to(zstd, info, e->stored, collect).ok());
  EXPECT_EQ(back, raw);
  EXPECT_GE(pieces, 4u);
  EXPECT_LE(largest, kDecodePiece);

  std::string cut = e->stored.substr(0, e->stored.size() - 10);
  back.clear();
  auto r = decode_chunk_to(zstd, info, cut, collect);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "chunk_corrupt");
  EXPECT_LT(back.size(), raw.size());

  int calls = 0;
  auto refuse = decode_chunk_to(zstd, info, e->stored, [&](const char*, std::size_t) {
    ++calls;
    return Status(make_error("pg_error", "COPY refused the data"));
  });
  ASSERT_FALSE(refuse.ok());
  EXPECT_EQ(refuse.error().code, "pg_error");
  EXPECT_EQ(calls, 1);

  // An uncompressed chunk goes out whole, its length checked.
  auto plain = encode_chunk(zstd, raw, false, 1);
  ASSERT_TRUE(plain.ok());
  back.clear();
  ASSERT_TRUE(decode_chunk_to(zstd, info_for(7, raw, *plain), plain->stored, collect).ok());
  EXPECT_EQ(back, raw);
}

}  // namespace
}  // namespace tandem
