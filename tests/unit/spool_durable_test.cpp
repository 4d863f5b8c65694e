// Durable writes under failure: a full disk (ENOSPC, from /dev/full), a directory that
// cannot be created, a directory that vanished. The error names the file and the reason,
// and no temporary file is left behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "persistence/spool/durable_file.hpp"
#include "persistence/spool/spool.hpp"
#include "spool_test_support.hpp"

namespace tandem {
namespace {

namespace fs = std::filesystem;
using testing::row_like_bytes;

bool no_tmp_files(const std::string& dir) {
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".tmp") return false;
  return true;
}

TEST(SpoolDurable, WriteToAFullDeviceNamesFileAndReason) {
  // Debian always has /dev/full; without it this test cannot simulate a full disk.
  ASSERT_TRUE(fs::exists("/dev/full")) << "no /dev/full to simulate a full disk";
  auto st = write_and_sync("/dev/full", "some bytes");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "spool_io");
  EXPECT_NE(st.error().message.find("/dev/full"), std::string::npos);
  EXPECT_NE(st.error().message.find(std::strerror(ENOSPC)), std::string::npos)
      << st.error().message;
}

// The chunk's temporary name points at /dev/full, so the real write path runs out of
// space halfway: nothing may be left under either name.
TEST(SpoolDurable, FullDiskLeavesNoChunkAndNoTemporary) {
  // Debian always has /dev/full; without it this test cannot simulate a full disk.
  ASSERT_TRUE(fs::exists("/dev/full")) << "no /dev/full to simulate a full disk";
  testing::SpoolTempDir tmp;
  auto spool = Spool::open(tmp.path());
  ASSERT_TRUE(spool.ok());
  fs::create_symlink("/dev/full", spool->chunk_path(4) + ".tmp");

  auto info = spool->write_chunk(4, 0, 1, row_like_bytes(1 << 20), true);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, "spool_io");
  EXPECT_NE(info.error().message.find(spool->chunk_path(4) + ".tmp"), std::string::npos);
  EXPECT_NE(info.error().message.find(std::strerror(ENOSPC)), std::string::npos)
      << info.error().message;
  EXPECT_FALSE(fs::exists(spool->chunk_path(4)));
  EXPECT_FALSE(fs::exists(fs::symlink_status(spool->chunk_path(4) + ".tmp")));
  EXPECT_TRUE(no_tmp_files(tmp.path()));
}

TEST(SpoolDurable, FullDiskKeepsThePreviousManifest) {
  // Debian always has /dev/full; without it this test cannot simulate a full disk.
  ASSERT_TRUE(fs::exists("/dev/full")) << "no /dev/full to simulate a full disk";
  testing::SpoolTempDir tmp;
  auto spool = Spool::open(tmp.path());
  ASSERT_TRUE(spool.ok());
  Manifest first = testing::sample_manifest();
  ASSERT_TRUE(spool->write_manifest(first).ok());
  fs::create_symlink("/dev/full", spool->manifest_path() + ".tmp");

  Manifest second = first;
  second.session_id = "second";
  auto st = spool->write_manifest(second);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "spool_io");
  EXPECT_TRUE(no_tmp_files(tmp.path()));
  auto kept = spool->read_manifest();
  ASSERT_TRUE(kept.ok()) << kept.error().describe();
  EXPECT_EQ(kept->session_id, first.session_id);
}

TEST(SpoolDurable, StoreChunkOnAFullDiskWritesNothing) {
  // Debian always has /dev/full; without it this test cannot simulate a full disk.
  ASSERT_TRUE(fs::exists("/dev/full")) << "no /dev/full to simulate a full disk";
  testing::SpoolTempDir tmp;
  auto source = Spool::open(tmp.file("source"));
  auto target = Spool::open(tmp.file("target"));
  ASSERT_TRUE(source.ok() && target.ok());
  auto info = source->write_chunk(0, 0, 1, row_like_bytes(100'000), true);
  ASSERT_TRUE(info.ok());
  fs::create_symlink("/dev/full", target->chunk_path(0) + ".tmp");
  auto st = target->store_chunk(*info, *source->read_stored(*info));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "spool_io");
  EXPECT_TRUE(fs::is_empty(target->dir()));
}

TEST(SpoolDurable, OpenUnderAFileFails) {
  testing::SpoolTempDir tmp;
  testing::write_whole(tmp.file("plain-file"), "x");
  auto spool = Spool::open(tmp.file("plain-file/session"));
  ASSERT_FALSE(spool.ok());
  EXPECT_EQ(spool.error().code, "spool_io");
  EXPECT_NE(spool.error().message.find("plain-file"), std::string::npos);
  EXPECT_NE(spool.error().message.find(std::strerror(ENOTDIR)), std::string::npos)
      << spool.error().message;
  auto same = Spool::open(tmp.file("plain-file"));  // a file where the dir should be
  EXPECT_FALSE(same.ok());
}

TEST(SpoolDurable, WriteIntoAVanishedDirectoryFails) {
  testing::SpoolTempDir tmp;
  auto spool = Spool::open(tmp.file("gone"));
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE(spool->remove_all().ok());
  auto info = spool->write_chunk(0, 0, 1, "abc", false);
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().code, "spool_io");
  EXPECT_NE(info.error().message.find(std::strerror(ENOENT)), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp.file("gone")));
}

TEST(SpoolDurable, ReplacesAtomicallyAndReadsBack) {
  testing::SpoolTempDir tmp;
  const std::string path = tmp.file("f");
  ASSERT_TRUE(write_file_durably(path, "first").ok());
  ASSERT_TRUE(write_file_durably(path, "second, longer").ok());
  auto back = read_file(path, 100);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "second, longer");
  EXPECT_TRUE(no_tmp_files(tmp.path()));
  // replace_file(): the same replace without the fsyncs (a target's chunks).
  const std::string other = tmp.file("g");
  ASSERT_TRUE(replace_file(other, "first").ok());
  ASSERT_TRUE(replace_file(other, "third").ok());
  EXPECT_EQ(*read_file(other, 100), "third");
  EXPECT_TRUE(no_tmp_files(tmp.path()));
  auto nowhere = replace_file(tmp.file("no-such-dir/f"), "x");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_NE(nowhere.error().message.find("no-such-dir/f.tmp"), std::string::npos)
      << nowhere.error().message;
  EXPECT_EQ(read_file(path, 5).error().code, "spool_io");  // over the caller's bound
  EXPECT_EQ(read_file(tmp.file("nope"), 5).error().code, "not_found");
  EXPECT_EQ(file_size(tmp.file("nope")).error().code, "not_found");
  EXPECT_EQ(*file_size(path), 14u);
}

}  // namespace
}  // namespace tandem
