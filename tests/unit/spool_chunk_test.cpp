// Chunk files in a Spool: written, stored from a peer, read back and verified; corrupt,
// truncated and missing chunks are named; the directory's modes and removal.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <optional>

#include "persistence/spool/spool.hpp"
#include "spool_test_support.hpp"

namespace tandem {
namespace {

using testing::random_bytes;
using testing::read_whole;
using testing::row_like_bytes;
using testing::write_whole;

class SpoolChunk : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Spool::open(tmp_.file("spool/session-1"));
    ASSERT_TRUE(opened.ok()) << opened.error().describe();
    spool_.emplace(std::move(opened).value());
  }
  Spool& spool() { return *spool_; }

  testing::SpoolTempDir tmp_;
  std::optional<Spool> spool_;
};

bool exists(const std::string& path) { return std::filesystem::exists(path); }

TEST_F(SpoolChunk, RoundTripCompressed) {
  const std::string raw = row_like_bytes(4 << 20);
  auto info = spool().write_chunk(0, 2, 1234, raw, true);
  ASSERT_TRUE(info.ok()) << info.error().describe();
  EXPECT_EQ(info->index, 0u);
  EXPECT_EQ(info->table, 2u);
  EXPECT_EQ(info->rows, 1234u);
  EXPECT_EQ(info->raw_bytes, raw.size());
  EXPECT_EQ(info->codec, ChunkCodec::zstd);
  EXPECT_LT(info->stored_bytes, raw.size());
  EXPECT_EQ(std::filesystem::file_size(spool().chunk_path(0)), info->stored_bytes);
  EXPECT_EQ(info->checksum, chunk_checksum(read_whole(spool().chunk_path(0))));

  auto back = spool().read_raw(*info);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, raw);
  auto stored = spool().read_stored(*info);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), info->stored_bytes);
}

TEST_F(SpoolChunk, RoundTripUncompressedAndIncompressible) {
  const std::string text = row_like_bytes(100'000);
  const std::string noise = random_bytes(300'000);
  auto plain = spool().write_chunk(0, 0, 10, text, false);
  auto random = spool().write_chunk(1, 0, 20, noise, true);
  ASSERT_TRUE(plain.ok() && random.ok());
  EXPECT_EQ(plain->codec, ChunkCodec::none);
  EXPECT_EQ(random->codec, ChunkCodec::none);  // zstd would not make it smaller
  EXPECT_EQ(random->stored_bytes, noise.size());
  EXPECT_EQ(*spool().read_raw(*plain), text);
  EXPECT_EQ(*spool().read_raw(*random), noise);
}

TEST_F(SpoolChunk, EmptyChunk) {
  auto info = spool().write_chunk(0, 0, 0, "", true);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->stored_bytes, 0u);
  EXPECT_TRUE(exists(spool().chunk_path(0)));
  auto back = spool().read_raw(*info);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_TRUE(back->empty());
}

TEST_F(SpoolChunk, TwentyMegabyteChunk) {
  std::string raw = row_like_bytes(20 << 20);
  raw.replace(5 << 20, 1 << 20, random_bytes(1 << 20));  // some incompressible stretch
  for (bool compress : {true, false}) {
    auto info = spool().write_chunk(compress ? 1 : 2, 0, 1, raw, compress);
    ASSERT_TRUE(info.ok()) << info.error().describe();
    auto back = spool().read_raw(*info);
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_TRUE(*back == raw);  // not EXPECT_EQ: a 20 MB diff is not worth printing
  }
}

TEST_F(SpoolChunk, OneCorruptByteIsNamed) {
  auto info = spool().write_chunk(42, 0, 1, row_like_bytes(100'000), true);
  ASSERT_TRUE(info.ok());
  std::string bytes = read_whole(spool().chunk_path(42));
  bytes[bytes.size() / 3] ^= 0x40;
  write_whole(spool().chunk_path(42), bytes);

  for (auto r : {spool().read_raw(*info), spool().read_stored(*info)}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "chunk_corrupt");
    EXPECT_EQ(r.error().field, "chunks[42]");
    EXPECT_NE(r.error().message.find("chunk 42"), std::string::npos);
    EXPECT_NE(r.error().message.find("expected " + info->checksum), std::string::npos)
        << r.error().message;
  }
  EXPECT_FALSE(spool().has_valid_chunk(*info));
}

TEST_F(SpoolChunk, TruncatedFileIsCorrupt) {
  auto info = spool().write_chunk(3, 0, 1, random_bytes(10'000), false);
  ASSERT_TRUE(info.ok());
  std::filesystem::resize_file(spool().chunk_path(3), 9'000);
  auto r = spool().read_raw(*info);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "chunk_corrupt");
  EXPECT_NE(r.error().message.find("length expected 10000 bytes, found 9000"),
            std::string::npos)
      << r.error().message;
  // Too long is refused the same way.
  write_whole(spool().chunk_path(3), random_bytes(10'001));
  EXPECT_EQ(spool().read_stored(*info).error().code, "chunk_corrupt");
}

TEST_F(SpoolChunk, MissingChunk) {
  ChunkInfo info;
  info.index = 5;
  info.stored_bytes = info.raw_bytes = 10;
  info.checksum = chunk_checksum("0123456789");
  auto r = spool().read_raw(info);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "chunk_missing");
  EXPECT_EQ(r.error().field, "chunks[5]");
  EXPECT_FALSE(spool().has_valid_chunk(info));
}

TEST_F(SpoolChunk, StoreChunkFromPeer) {
  // The source's spool writes, the target's spool stores what came over the wire.
  auto target = Spool::open(tmp_.file("target"));
  ASSERT_TRUE(target.ok());
  const std::string raw = row_like_bytes(300'000);
  auto info = spool().write_chunk(8, 1, 99, raw, true);
  ASSERT_TRUE(info.ok());
  auto wire = spool().read_stored(*info);
  ASSERT_TRUE(wire.ok());

  EXPECT_FALSE(target->has_valid_chunk(*info));
  ASSERT_TRUE(target->store_chunk(*info, *wire).ok());
  EXPECT_TRUE(target->has_valid_chunk(*info));
  EXPECT_EQ(*target->read_raw(*info), raw);
}

TEST_F(SpoolChunk, StoreChunkWithWrongChecksumWritesNothing) {
  auto info = spool().write_chunk(1, 0, 1, row_like_bytes(50'000), true);
  ASSERT_TRUE(info.ok());
  std::string wire = *spool().read_stored(*info);
  auto target = Spool::open(tmp_.file("target"));
  ASSERT_TRUE(target.ok());

  std::string damaged = wire;
  damaged[0] ^= 0x01;
  auto st = target->store_chunk(*info, damaged);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "chunk_corrupt");
  auto cut = target->store_chunk(*info, wire.substr(0, wire.size() - 1));
  EXPECT_EQ(cut.error().code, "chunk_corrupt");
  EXPECT_TRUE(std::filesystem::is_empty(target->dir()));
}

TEST_F(SpoolChunk, HasValidChunkComparesWithTheGivenInfo) {
  auto info = spool().write_chunk(0, 0, 1, row_like_bytes(1000), false);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(spool().has_valid_chunk(*info));
  ChunkInfo other = *info;
  other.checksum = "crc32:00000000";
  EXPECT_FALSE(spool().has_valid_chunk(other));
  other = *info;
  other.index = 1;
  EXPECT_FALSE(spool().has_valid_chunk(other));
}

TEST_F(SpoolChunk, RewritingAChunkReplacesIt) {
  ASSERT_TRUE(spool().write_chunk(0, 0, 1, "old bytes", false).ok());
  auto info = spool().write_chunk(0, 0, 1, "new", false);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(read_whole(spool().chunk_path(0)), "new");
}

TEST_F(SpoolChunk, PrivateModesAndNames) {
  auto info = spool().write_chunk(7, 0, 1, "x", false);
  ASSERT_TRUE(info.ok());
  ASSERT_TRUE(spool().write_manifest(Manifest{}).ok());
  struct stat st {};
  for (const std::string& dir : {tmp_.file("spool"), spool().dir()}) {
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << dir;
  }
  for (const std::string& file : {spool().chunk_path(7), spool().manifest_path()}) {
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << file;
  }
  EXPECT_EQ(spool().chunk_path(7), spool().dir() + "/chunk-000007.bin");
  EXPECT_EQ(spool().chunk_path(12345678), spool().dir() + "/chunk-12345678.bin");
}

TEST_F(SpoolChunk, RemoveAllIsIdempotent) {
  ASSERT_TRUE(spool().write_chunk(0, 0, 1, "abc", false).ok());
  ASSERT_TRUE(spool().write_manifest(Manifest{}).ok());
  ASSERT_TRUE(spool().remove_all().ok());
  EXPECT_FALSE(exists(spool().dir()));
  EXPECT_TRUE(exists(tmp_.file("spool")));  // only the session's own directory goes
  EXPECT_TRUE(spool().remove_all().ok());
  EXPECT_FALSE(spool().has_manifest());
}

TEST_F(SpoolChunk, OpenReusesAnExistingDirectory) {
  auto info = spool().write_chunk(0, 0, 1, "kept", false);
  ASSERT_TRUE(info.ok());
  auto again = Spool::open(spool().dir() + "/");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->dir(), spool().dir());
  EXPECT_EQ(*again->read_raw(*info), "kept");
}

}  // namespace
}  // namespace tandem
