// The manifest codec: every field survives a round trip, and each kind of damaged or
// inconsistent manifest is refused with the path of the offending field.
#include <gtest/gtest.h>

#include "persistence/spool/manifest.hpp"
#include "persistence/spool/spool.hpp"
#include "spool_test_support.hpp"

namespace tandem {
namespace {

using nlohmann::json;
using testing::sample_manifest;

void expect_same_chunk(const ChunkInfo& a, const ChunkInfo& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.table, b.table);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.raw_bytes, b.raw_bytes);
  EXPECT_EQ(a.stored_bytes, b.stored_bytes);
  EXPECT_EQ(a.checksum, b.checksum);
  EXPECT_EQ(a.codec, b.codec);
}

void expect_same_table(const ManifestTable& a, const ManifestTable& b) {
  EXPECT_EQ(a.schema, b.schema);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.partitioned, b.partitioned);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    EXPECT_EQ(a.columns[i].name, b.columns[i].name);
    EXPECT_EQ(a.columns[i].type, b.columns[i].type);
  }
  EXPECT_EQ(a.primary_key, b.primary_key);
  ASSERT_EQ(a.sequences.size(), b.sequences.size());
  for (std::size_t i = 0; i < a.sequences.size(); ++i) {
    EXPECT_EQ(a.sequences[i].schema, b.sequences[i].schema);
    EXPECT_EQ(a.sequences[i].name, b.sequences[i].name);
    EXPECT_EQ(a.sequences[i].column, b.sequences[i].column);
    EXPECT_EQ(a.sequences[i].last_value, b.sequences[i].last_value);
    EXPECT_EQ(a.sequences[i].is_called, b.sequences[i].is_called);
  }
  EXPECT_EQ(a.exclude_predicate, b.exclude_predicate);
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.checksum, b.checksum);
  EXPECT_EQ(a.raw_bytes, b.raw_bytes);
  EXPECT_EQ(a.first_chunk, b.first_chunk);
  EXPECT_EQ(a.chunk_count, b.chunk_count);
}

void expect_same(const Manifest& a, const Manifest& b) {
  EXPECT_EQ(a.format_version, b.format_version);
  EXPECT_EQ(a.session_id, b.session_id);
  EXPECT_EQ(a.source_node, b.source_node);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.snapshot_id, b.snapshot_id);
  EXPECT_EQ(a.change_log_position, b.change_log_position);
  EXPECT_EQ(a.row_hash, b.row_hash);
  ASSERT_EQ(a.tables.size(), b.tables.size());
  for (std::size_t i = 0; i < a.tables.size(); ++i) expect_same_table(a.tables[i], b.tables[i]);
  ASSERT_EQ(a.chunks.size(), b.chunks.size());
  for (std::size_t i = 0; i < a.chunks.size(); ++i) expect_same_chunk(a.chunks[i], b.chunks[i]);
}

// Refusal of `j`: code bad_manifest, first field `field`.
void expect_refused(const json& j, const std::string& field) {
  auto r = manifest_from_json(j);
  ASSERT_FALSE(r.ok()) << "accepted a manifest that should be refused at " << field;
  EXPECT_EQ(r.error().code, "bad_manifest");
  EXPECT_EQ(r.error().field, field) << r.error().message;
}

TEST(SpoolManifest, RoundTripKeepsEveryFieldThroughTextToo) {
  Manifest m = sample_manifest();
  // Through the dumped text, as it travels, not just the in-memory JSON.
  json j = json::parse(manifest_to_json(m).dump());
  auto back = manifest_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  expect_same(m, *back);
  EXPECT_EQ(j["chunks"][0]["codec"], "zstd");
  EXPECT_EQ(j["tables"][0]["name"], "clients_日本");
}

TEST(SpoolManifest, EmptyManifestIsValid) {
  Manifest m;
  m.session_id = "s";
  auto back = manifest_from_json(manifest_to_json(m));
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_TRUE(back->chunks.empty());
  EXPECT_EQ(back->total_rows(), 0u);
}

TEST(SpoolManifest, WithoutRowHashItIsTheTextHashOfOlderBackups) {
  json j = manifest_to_json(sample_manifest());
  j.erase("row_hash");
  auto back = manifest_from_json(j);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->row_hash, "text");
}

TEST(SpoolManifest, Totals) {
  Manifest m = sample_manifest();
  EXPECT_EQ(m.total_rows(), m.tables[0].rows + m.tables[1].rows);
  EXPECT_EQ(m.total_raw_bytes(), 4'194'304u + 123u + 999u);
  EXPECT_EQ(m.total_stored_bytes(), 1'000'000u + 123u + 400u);
}

TEST(SpoolManifest, RefusesNewerFormat) {
  json j = manifest_to_json(sample_manifest());
  j["format_version"] = kManifestFormatVersion + 1;
  j["some_future_field"] = 1;
  auto r = manifest_from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "format_version");
  EXPECT_NE(r.error().message.find("newer"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("some_future_field"), std::string::npos);
}

TEST(SpoolManifest, RefusesMissingAndMistypedFields) {
  const json good = manifest_to_json(sample_manifest());
  struct Case { const char* pointer; json value; bool erase; const char* field; };
  const Case cases[] = {
      {"/session_id", nullptr, true, "session_id"},
      {"/format_version", "1", false, "format_version"},
      {"/created_at", 1.5, false, "created_at"},
      {"/tables", json::object(), false, "tables"},
      {"/tables/0/columns/1/type", nullptr, true, "tables[0].columns[1].type"},
      {"/tables/0/sequences/0/last_value", "x", false, "tables[0].sequences[0].last_value"},
      {"/tables/1/partitioned", 0, false, "tables[1].partitioned"},
      {"/tables/1/primary_key", json::array({1}), false, "tables[1].primary_key[0]"},
      {"/chunks/1/rows", -1, false, "chunks[1].rows"},
      {"/chunks/2/codec", "lz4", false, "chunks[2].codec"},
      {"/chunks/2/checksum", "crc32:XYZ", false, "chunks[2].checksum"},
      {"/chunks/0", 7, false, "chunks[0]"},
      {"/chunks/0/stored_bytes", (std::uint64_t{1} << 30) + 1, false, "chunks[0].stored_bytes"},
      {"/chunks/1/stored_bytes", 122, false, "chunks[1].stored_bytes"},  // codec none
      {"/tables/0/unknown_key", 1, false, "tables[0].unknown_key"},
      {"/row_hash", "md5", false, "row_hash"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.pointer);
    json j = good;
    json::json_pointer p(c.pointer);
    if (c.erase) j[p.parent_pointer()].erase(p.back());
    else j[p] = c.value;
    expect_refused(j, c.field);
  }
  expect_refused(json::array(), "");
}

TEST(SpoolManifest, RefusesChunkIndexesThatAreNotZeroToN) {
  json j = manifest_to_json(sample_manifest());
  j["chunks"][1]["index"] = 2;
  j["chunks"][2]["index"] = 1;
  expect_refused(j, "chunks[1].index");
}

TEST(SpoolManifest, RefusesChunkOfNoTable) {
  json j = manifest_to_json(sample_manifest());
  j["chunks"][2]["table"] = 2;  // only tables 0 and 1
  expect_refused(j, "chunks[2].table");
}

TEST(SpoolManifest, RefusesTableRangesThatDisagreeWithTheChunks) {
  const json good = manifest_to_json(sample_manifest());
  {
    json j = good;
    j["tables"][0]["chunk_count"] = 1;  // but chunks 0 and 1 point at it
    expect_refused(j, "tables[0].chunk_count");
  }
  {
    json j = good;  // counts agree but the range is shifted onto the other table's chunk
    j["tables"][0]["first_chunk"] = 1;
    expect_refused(j, "tables[0].first_chunk");
  }
  {
    json j = good;
    j["tables"][1]["first_chunk"] = 3;  // past the end
    expect_refused(j, "tables[1].first_chunk");
  }
  {
    json j = good;
    j["tables"][1]["rows"] = 6;
    expect_refused(j, "tables[1].rows");
  }
  {
    json j = good;
    j["tables"][0]["raw_bytes"] = 1;
    expect_refused(j, "tables[0].raw_bytes");
  }
}

TEST(SpoolManifest, ErrorListsEveryProblem) {
  json j = manifest_to_json(sample_manifest());
  j.erase("source_node");
  j["chunks"][0]["codec"] = "gzip";
  auto r = manifest_from_json(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("source_node"), std::string::npos);
  EXPECT_NE(r.error().message.find("chunks[0].codec"), std::string::npos);
}

TEST(SpoolManifest, SpoolWritesAndReadsIt) {
  testing::SpoolTempDir tmp;
  auto spool = Spool::open(tmp.file("s1"));
  ASSERT_TRUE(spool.ok()) << spool.error().describe();
  EXPECT_FALSE(spool->has_manifest());
  auto missing = spool->read_manifest();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "spool_io");

  ASSERT_TRUE(spool->write_manifest(sample_manifest()).ok());
  EXPECT_TRUE(spool->has_manifest());
  auto back = spool->read_manifest();
  ASSERT_TRUE(back.ok()) << back.error().describe();
  expect_same(sample_manifest(), *back);
}

TEST(SpoolManifest, SpoolRefusesToWriteAnInconsistentOne) {
  testing::SpoolTempDir tmp;
  auto spool = Spool::open(tmp.path());
  ASSERT_TRUE(spool.ok());
  Manifest m = sample_manifest();
  m.tables[1].rows += 1;
  auto st = spool->write_manifest(m);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "bad_manifest");
  EXPECT_FALSE(spool->has_manifest());
}

TEST(SpoolManifest, SpoolRefusesADamagedFile) {
  testing::SpoolTempDir tmp;
  auto spool = Spool::open(tmp.path());
  ASSERT_TRUE(spool.ok());
  ASSERT_TRUE(spool->write_manifest(sample_manifest()).ok());
  std::string text = testing::read_whole(spool->manifest_path());
  testing::write_whole(spool->manifest_path(), text.substr(0, text.size() / 2));
  auto r = spool->read_manifest();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "bad_manifest");
  EXPECT_NE(r.error().message.find("not valid JSON"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace tandem
