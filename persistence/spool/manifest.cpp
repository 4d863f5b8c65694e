// Manifest → JSON, and the totals. Field names are the struct members' names (snake_case);
// manifest_decode.cpp reads the same names back. Frozen: add fields, never rename.
#include "persistence/spool/manifest.hpp"

namespace tandem {

using nlohmann::json;

const char* to_string(ChunkCodec c) {
  switch (c) {
    case ChunkCodec::none: return "none";
    case ChunkCodec::zstd: return "zstd";
  }
  return "none";
}

std::uint64_t Manifest::total_rows() const {
  std::uint64_t n = 0;
  for (const auto& c : chunks) n += c.rows;
  return n;
}

std::uint64_t Manifest::total_raw_bytes() const {
  std::uint64_t n = 0;
  for (const auto& c : chunks) n += c.raw_bytes;
  return n;
}

std::uint64_t Manifest::total_stored_bytes() const {
  std::uint64_t n = 0;
  for (const auto& c : chunks) n += c.stored_bytes;
  return n;
}

namespace {

json column_to_json(const ManifestColumn& c) {
  return {{"name", c.name}, {"type", c.type}};
}

json sequence_to_json(const ManifestSequence& s) {
  return {{"schema", s.schema},         {"name", s.name},
          {"column", s.column},         {"last_value", s.last_value},
          {"is_called", s.is_called}};
}


json table_to_json(const ManifestTable& t) {
  json columns = json::array();
  for (const auto& c : t.columns) columns.push_back(column_to_json(c));
  json sequences = json::array();
  for (const auto& s : t.sequences) sequences.push_back(sequence_to_json(s));
  json j = {{"schema", t.schema},
          {"name", t.name},
          {"partitioned", t.partitioned},
          {"columns", std::move(columns)},
          {"primary_key", t.primary_key},
          {"sequences", std::move(sequences)},
          {"exclude_predicate", t.exclude_predicate},
          {"rows", t.rows},
          {"snapshot_rows", t.snapshot_rows},
          {"checksum", t.checksum},
          {"raw_bytes", t.raw_bytes},
          {"first_chunk", t.first_chunk},
          {"chunk_count", t.chunk_count}};
  if (t.ranges)
    j["ranges"] = {{"key_column", t.ranges->key_column}, {"key_type", t.ranges->key_type},
                   {"bounds", t.ranges->bounds}, {"shipped", t.ranges->shipped}};
  return j;
}

json chunk_to_json(const ChunkInfo& c) {
  return {{"index", c.index},           {"table", c.table},
          {"rows", c.rows},             {"raw_bytes", c.raw_bytes},
          {"stored_bytes", c.stored_bytes}, {"checksum", c.checksum},
          {"codec", to_string(c.codec)}};
}

}  // namespace

json manifest_to_json(const Manifest& m) {
  json tables = json::array();
  for (const auto& t : m.tables) tables.push_back(table_to_json(t));
  json chunks = json::array();
  for (const auto& c : m.chunks) chunks.push_back(chunk_to_json(c));
  return {{"format_version", m.format_version},
          {"session_id", m.session_id},
          {"source_node", m.source_node},
          {"created_at", m.created_at},
          {"snapshot_id", m.snapshot_id},
          {"change_log_position", m.change_log_position},
          {"change_log_snapshot", m.change_log_snapshot},
          {"row_hash", m.row_hash},
          {"tables", std::move(tables)},
          {"chunks", std::move(chunks)}};
}

}  // namespace tandem
