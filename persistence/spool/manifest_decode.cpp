// JSON → Manifest: every field read with its path, then the chunk layout cross-checked,
// so a damaged or hostile manifest is refused before convert or restore trusts it.
#include <limits>

#include "base/json_reader.hpp"
#include "persistence/spool/manifest.hpp"

namespace tandem {
namespace {

using nlohmann::json;

constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinInt = std::numeric_limits<std::int64_t>::min();
constexpr std::size_t kMaxPredicateLen = 1 << 20;

std::string item_path(const std::string& list, std::size_t i) {
  return list + "[" + std::to_string(i) + "]";
}

std::uint64_t count(ObjectReader& r, const std::string& key) {
  return static_cast<std::uint64_t>(r.integer(key, Need::required, 0, kMaxInt).value_or(0));
}

std::string text(ObjectReader& r, const std::string& key, std::size_t max_len = 4096) {
  return r.string(key, Need::required, max_len).value_or("");
}

// Reads the array `key` of `parent`, one element at a time with its own path.
template <class T, class ReadOne>
std::vector<T> read_list(ObjectReader& parent, const std::string& key, JsonErrors& errs,
                         ReadOne read_one) {
  std::vector<T> out;
  const json* arr = parent.array(key, Need::required);
  if (!arr) return out;
  out.reserve(arr->size());
  for (std::size_t i = 0; i < arr->size(); ++i) {
    ObjectReader r((*arr)[i], item_path(parent.path_of(key), i), errs);
    out.push_back(read_one(r));
    r.finish();
  }
  return out;
}

ManifestColumn read_column(ObjectReader& r) {
  return ManifestColumn{text(r, "name"), text(r, "type")};
}

ManifestSequence read_sequence(ObjectReader& r) {
  ManifestSequence s;
  s.schema = text(r, "schema");
  s.name = text(r, "name");
  s.column = text(r, "column");
  s.last_value = r.integer("last_value", Need::required, kMinInt, kMaxInt).value_or(0);
  s.is_called = r.boolean("is_called", Need::required).value_or(false);
  return s;
}

// The optional "ranges" of a table (range diff): bounds, and shipped range numbers that
// are ascending and name a range that exists.
std::optional<ManifestRanges> read_ranges(ObjectReader& table, JsonErrors& errs) {
  const json* v = table.object("ranges", Need::optional);
  if (!v) return std::nullopt;
  ObjectReader r(*v, table.path_of("ranges"), errs);
  ManifestRanges out;
  out.key_column = text(r, "key_column");
  out.key_type = text(r, "key_type");
  out.bounds = r.string_array("bounds", Need::required, 1 << 16).value_or(out.bounds);
  if (const json* shipped = r.array("shipped", Need::required)) {
    for (std::size_t i = 0; i < shipped->size(); ++i) {
      const json& n = (*shipped)[i];
      const std::string path = item_path(r.path_of("shipped"), i);
      if (!n.is_number_unsigned() || n.get<std::uint64_t>() > out.bounds.size() ||
          (!out.shipped.empty() && n.get<std::uint64_t>() <= out.shipped.back())) {
        errs.add(path, "must be a range number, ascending, at most the number of bounds (" +
                           std::to_string(out.bounds.size()) + ")");
        break;
      }
      out.shipped.push_back(static_cast<std::uint32_t>(n.get<std::uint64_t>()));
    }
  }
  r.finish();
  return out;
}

ManifestTable read_table(ObjectReader& r, JsonErrors& errs) {
  ManifestTable t;
  t.schema = text(r, "schema");
  t.name = text(r, "name");
  t.partitioned = r.boolean("partitioned", Need::required).value_or(false);
  t.columns = read_list<ManifestColumn>(r, "columns", errs, read_column);
  t.primary_key = r.string_array("primary_key", Need::required).value_or(t.primary_key);
  t.sequences = read_list<ManifestSequence>(r, "sequences", errs, read_sequence);
  t.exclude_predicate = text(r, "exclude_predicate", kMaxPredicateLen);
  t.rows = count(r, "rows");
  t.snapshot_rows = r.has("snapshot_rows") ? count(r, "snapshot_rows") : t.rows;
  t.checksum = text(r, "checksum");
  t.ranges = read_ranges(r, errs);
  t.raw_bytes = count(r, "raw_bytes");
  t.first_chunk = count(r, "first_chunk");
  t.chunk_count = count(r, "chunk_count");
  return t;
}

bool is_chunk_checksum(const std::string& s) {
  const std::string prefix = "crc32:";
  if (s.size() != prefix.size() + 8 || s.compare(0, prefix.size(), prefix) != 0) return false;
  return s.find_first_not_of("0123456789abcdef", prefix.size()) == std::string::npos;
}

ChunkInfo read_chunk(ObjectReader& r, JsonErrors& errs) {
  auto chunk_size = [&](const char* key) {
    std::uint64_t n = count(r, key);
    if (n > kMaxChunkBytes)
      errs.add(r.path_of(key), "is over the chunk limit of " + std::to_string(kMaxChunkBytes));
    return n;
  };
  ChunkInfo c;
  c.index = count(r, "index");
  c.table = static_cast<std::uint32_t>(
      r.integer("table", Need::required, 0, std::numeric_limits<std::uint32_t>::max())
          .value_or(0));
  c.rows = count(r, "rows");
  c.raw_bytes = chunk_size("raw_bytes");
  c.stored_bytes = chunk_size("stored_bytes");
  if (auto sum = r.string("checksum", Need::required)) {
    if (!is_chunk_checksum(*sum))
      errs.add(r.path_of("checksum"), "must be \"crc32:\" and 8 lowercase hex digits");
    c.checksum = *sum;
  }
  if (auto codec = r.string("codec", Need::required)) {
    if (*codec == "zstd") c.codec = ChunkCodec::zstd;
    else if (*codec != "none") errs.add(r.path_of("codec"), "must be \"none\" or \"zstd\"");
  }
  if (c.codec == ChunkCodec::none && c.raw_bytes != c.stored_bytes)
    errs.add(r.path_of("stored_bytes"), "must equal raw_bytes for codec \"none\"");
  return c;
}

// The chunk list is contiguous from 0 and each table owns exactly the range it claims.
void check_layout(const Manifest& m, JsonErrors& errs) {
  std::vector<std::uint64_t> owned(m.tables.size(), 0);
  for (std::size_t i = 0; i < m.chunks.size(); ++i) {
    const auto& c = m.chunks[i];
    if (c.index != i)
      errs.add(item_path("chunks", i) + ".index", "is " + std::to_string(c.index) +
                                                      ", expected " + std::to_string(i) +
                                                      " (chunks are listed by index from 0)");
    if (c.table >= m.tables.size())
      errs.add(item_path("chunks", i) + ".table",
               "is " + std::to_string(c.table) + ", but there are " +
                   std::to_string(m.tables.size()) + " tables");
    else
      ++owned[c.table];
  }
  for (std::size_t t = 0; t < m.tables.size(); ++t) {
    const auto& table = m.tables[t];
    const std::string path = item_path("tables", t);
    if (owned[t] != table.chunk_count) {
      errs.add(path + ".chunk_count", "is " + std::to_string(table.chunk_count) + ", but " +
                                          std::to_string(owned[t]) +
                                          " chunks belong to this table");
      continue;
    }
    if (table.chunk_count > 0 && (table.first_chunk >= m.chunks.size() ||
                                  table.chunk_count > m.chunks.size() - table.first_chunk)) {
      errs.add(path + ".first_chunk", "its range runs past the chunk list");
      continue;
    }
    std::uint64_t rows = 0, raw = 0;
    bool contiguous = true;
    for (std::uint64_t k = table.first_chunk; k < table.first_chunk + table.chunk_count; ++k) {
      contiguous = contiguous && m.chunks[k].table == t;
      rows += m.chunks[k].rows;
      raw += m.chunks[k].raw_bytes;
    }
    if (!contiguous)
      errs.add(path + ".first_chunk", "its range holds chunks of other tables");
    else if (rows != table.rows)
      errs.add(path + ".rows", "is " + std::to_string(table.rows) + ", but its chunks hold " +
                                   std::to_string(rows));
    else if (raw != table.raw_bytes)
      errs.add(path + ".raw_bytes", "is " + std::to_string(table.raw_bytes) +
                                        ", but its chunks hold " + std::to_string(raw));
  }
}

}  // namespace

Result<Manifest> manifest_from_json(const json& j) {
  JsonErrors errs;
  ObjectReader r(j, "", errs);
  Manifest m;
  if (auto v = r.integer("format_version", Need::required, 1, kMaxInt)) {
    if (*v > kManifestFormatVersion) {
      errs.add("format_version", "is " + std::to_string(*v) + ", newer than the format " +
                                     std::to_string(kManifestFormatVersion) +
                                     " this tandem reads: upgrade this node");
      return errs.to_error("bad_manifest");  // its other fields may mean anything
    }
    m.format_version = static_cast<int>(*v);
  }
  m.session_id = text(r, "session_id");
  m.source_node = text(r, "source_node");
  m.created_at = r.integer("created_at", Need::required, 0, kMaxInt).value_or(0);
  m.snapshot_id = text(r, "snapshot_id");
  m.change_log_position =
      r.integer("change_log_position", Need::required, 0, kMaxInt).value_or(0);
  m.change_log_snapshot = r.string("change_log_snapshot", Need::optional, 1 << 20).value_or("");
  m.row_hash = r.string("row_hash", Need::optional).value_or("text");
  if (m.row_hash != "text" && m.row_hash != "typed")
    errs.add(r.path_of("row_hash"), "must be \"text\" or \"typed\"");
  m.tables = read_list<ManifestTable>(r, "tables", errs,
                                      [&](ObjectReader& t) { return read_table(t, errs); });
  m.chunks = read_list<ChunkInfo>(r, "chunks", errs,
                                  [&](ObjectReader& c) { return read_chunk(c, errs); });
  r.finish();
  if (errs.empty()) check_layout(m, errs);  // only on values that were read as given
  if (!errs.empty()) return errs.to_error("bad_manifest");
  return m;
}

}  // namespace tandem
