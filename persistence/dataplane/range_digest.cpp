#include "persistence/dataplane/range_digest.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <regex>
#include <thread>

#include "persistence/dataplane/session_settings.hpp"

namespace tandem {
namespace {

// The key column as compared for ranges: text under "C", so both sides order alike
// whatever their collations.
std::string key_sql(const pg::Connection& conn, const std::string& alias,
                    const std::string& key_column, const std::string& key_type) {
  std::string key = alias + "." + conn.quote_ident(key_column);
  return is_plain_text(key_type) ? key + " COLLATE \"C\"" : key;
}


// About `ranges` - 1 bounds cutting the table's kept rows into ranges of similar size:
// every (rows / ranges)-th key in key order, or, for a table of over kSampleAbove rows
// (not partitioned), quantiles of a sample of its keys (kSampleRowsPerRange per range; a
// page sample, TABLESAMPLE SYSTEM, so only those pages are read). Any bounds are
// correct; even ones keep the ranges that differ small (a page sample of a small table
// leaves wide gaps, hence the threshold).
constexpr std::uint64_t kSampleRowsPerRange = 16;
constexpr std::uint64_t kSampleAbove = 2'000'000;

Result<std::vector<std::string>> cut_bounds(pg::Connection& conn, const pg::TableInfo& t,
                                            const std::string& key, std::uint64_t rows,
                                            std::uint64_t ranges) {
  if (ranges < 2) return std::vector<std::string>{};
  const std::uint64_t sample = ranges * kSampleRowsPerRange;
  std::string from = table_from_clause(conn, t);
  std::uint64_t step = std::max<std::uint64_t>(1, rows / ranges);  // every key is read
  if (!t.partitioned && rows > kSampleAbove && rows > 2 * sample) {
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.4f", 100.0 * static_cast<double>(sample) / static_cast<double>(rows));
    from += std::string(" TABLESAMPLE SYSTEM (") + percent + ")";
    step = kSampleRowsPerRange;
  }
  std::string kept = kept_rows_condition(t.exclude_predicate);
  auto rows_out = conn.query("SELECT k::text FROM (SELECT " + key + " AS k, row_number() OVER (ORDER BY " +
                             key + ") AS n FROM " + from + (kept.empty() ? "" : " WHERE " + kept) +
                             ") s WHERE n % " + std::to_string(step) + " = 0 ORDER BY n");
  if (!rows_out.ok()) return rows_out.error();
  std::vector<std::string> bounds;
  for (const auto& row : *rows_out) {
    const std::string& v = row.at(0).value_or("");
    if (bounds.empty() || bounds.back() != v) bounds.push_back(v);  // a key repeats in a composite key
  }
  return bounds;
}

// Integer keys: `ranges` ranges of equal width between the smallest and the largest key
// (two index probes, no pass over the table). Sequential keys (serial, identity) fill
// them evenly; gaps only make some ranges smaller.
Result<std::vector<std::string>> even_integer_bounds(pg::Connection& conn, const pg::TableInfo& t,
                                                     const std::string& key_column, std::uint64_t ranges) {
  const std::string k = "t." + conn.quote_ident(key_column);
  auto row = conn.query("SELECT min(" + k + ")::text, max(" + k + ")::text FROM " + table_from_clause(conn, t));
  if (!row.ok()) return row.error();
  std::vector<std::string> bounds;
  if (ranges < 2 || !row->at(0)[0] || !row->at(0)[1]) return bounds;
  const long double lo = std::stold(*row->at(0)[0]), hi = std::stold(*row->at(0)[1]);
  const long double width = (hi - lo + 1) / static_cast<long double>(ranges);
  long long last = 0;
  for (std::uint64_t i = 1; i < ranges; ++i) {
    long long b = static_cast<long long>(lo + width * static_cast<long double>(i));
    if (!bounds.empty() && b <= last) continue;  // fewer keys than ranges
    bounds.push_back(std::to_string(b));
    last = b;
  }
  return bounds;
}

// uuid keys: `ranges` equal slices of the uuid space, by their first 32 bits (random
// uuids, v4 or md5-made, fill them evenly; nothing needs to be read).
std::vector<std::string> even_uuid_bounds(std::uint64_t ranges) {
  std::vector<std::string> bounds;
  for (std::uint64_t i = 1; i < ranges; ++i) {
    char b[40];
    std::snprintf(b, sizeof b, "%08llx-0000-0000-0000-000000000000",
                  static_cast<unsigned long long>((i << 32) / ranges));
    if (bounds.empty() || bounds.back() != b) bounds.push_back(b);
  }
  return bounds;
}

}  // namespace

bool is_integer_type(const std::string& type) {
  return type == "smallint" || type == "integer" || type == "bigint";
}

// The planner's estimate, or a count when it knows nothing useful (a small or
// never-analyzed table), so that ranges are cut either way.
Result<std::uint64_t> estimated_rows(pg::Connection& conn, const pg::TableInfo& t) {
  auto size = pg::estimate_size(conn, t);
  if (!size.ok()) return size.error();
  if (size->rows >= 2 * kMinRangeRows) return size->rows;
  auto n = conn.scalar("SELECT count(*)::text FROM " + table_from_clause(conn, t));
  if (!n.ok()) return n.error();
  return std::stoull(n->value_or("0"));
}

std::uint64_t rows_per_range(std::uint64_t total_rows) {
  return std::max(kMinRangeRows, total_rows / kMaxDigestRanges + 1);
}

bool can_cut_ranges(const std::string& type) {
  static const std::regex exact(
      "smallint|integer|bigint|uuid|date|"
      "timestamp(\\([0-6]\\))? with(out)? time zone");
  return std::regex_match(type, exact) || is_plain_text(type);
}

std::string range_number_sql(const pg::Connection& conn, const std::string& alias,
                             const std::string& key_column, const std::string& key_type,
                             const std::vector<std::string>& bounds) {
  std::string array;
  for (const auto& b : bounds) array += (array.empty() ? "" : ",") + conn.quote_literal(b);
  return "width_bucket(" + key_sql(conn, alias, key_column, key_type) + ", ARRAY[" + array + "]::" +
         key_type + "[])";
}

std::string in_ranges_sql(const pg::Connection& conn, const std::string& alias,
                          const ManifestRanges& r) {
  std::string list;
  for (auto n : r.shipped) list += (list.empty() ? "" : ",") + std::to_string(n);
  return range_number_sql(conn, alias, r.key_column, r.key_type, r.bounds) + " = ANY ('{" + list +
         "}'::int[])";
}

Result<RangeHashes> hash_ranges(pg::Connection& conn, const std::string& from_clause,
                                const std::string& where, const TableDigest& d) {
  // One row per range, and a last one (range NULL) for the whole table, whose sum
  // PostgreSQL adds up exactly (numeric), like checksum_sql's. A plain GROUP BY runs as a
  // parallel partial aggregate; GROUPING SETS ((r), ()) would sort every row in one
  // backend (psql, order_items at 1M rows, five runs each: 0.46-0.73 s against
  // 0.62-0.99 s; in bench-dataplane's digest phase, two tables at a time, ~4 %).
  auto rows = conn.query("WITH g AS (SELECT r, count(*) AS c, sum(h) AS s FROM (SELECT " +
                         range_number_sql(conn, "t", d.key_column, d.key_type, d.bounds) + " AS r, " +
                         row_hash_sql(conn, "t", d.columns, RowHash::typed) + " AS h FROM " +
                         from_clause + (where.empty() ? "" : " WHERE " + where) +
                         ") s GROUP BY r) SELECT r, c::text, s::text FROM g UNION ALL "
                         "SELECT NULL, coalesce(sum(c), 0)::text, coalesce(sum(s), 0)::text FROM g");
  if (!rows.ok()) return rows.error();
  RangeHashes out;
  out.ranges.resize(d.bounds.size() + 1);
  for (const auto& row : *rows) {
    RangeSum s{std::stoull(row.at(1).value_or("0")), row.at(2).value_or("0")};
    if (!row.at(0)) {
      out.total = s;
      continue;
    }
    auto r = std::stoull(*row.at(0));
    if (r >= out.ranges.size()) return make_error("pg_error", "range number out of bounds");
    out.ranges[r] = s;
  }
  return out;
}

namespace {

// One table's digest, or nullopt when its key cannot cut ranges.
Result<std::optional<TableDigest>> digest_table(pg::Connection& conn, const pg::TableInfo& t,
                                                std::uint64_t per_range) {
  if (t.primary_key.empty()) return std::optional<TableDigest>{};
  const pg::ColumnInfo* key = t.column(t.primary_key.front());
  if (!key || !can_cut_ranges(key->type)) return std::optional<TableDigest>{};
  TableDigest d{t.schema, t.name, key->name, key->type, hashed_columns(t), {}, {}};
  auto rows = estimated_rows(conn, t);
  if (!rows.ok()) return rows.error();
  const std::uint64_t ranges = std::min(kMaxRanges - 1, *rows / per_range + 1);
  auto bounds = is_integer_type(key->type) ? even_integer_bounds(conn, t, key->name, ranges)
               : key->type == "uuid"       ? Result<std::vector<std::string>>(even_uuid_bounds(ranges))
                                           : cut_bounds(conn, t, key_sql(conn, "t", key->name, key->type),
                                                        *rows, ranges);
  if (!bounds.ok()) return bounds.error();
  d.bounds = std::move(*bounds);
  auto sums = hash_ranges(conn, table_from_clause(conn, t), kept_rows_condition(t.exclude_predicate), d);
  if (!sums.ok()) return sums.error();
  d.sums = std::move(sums->ranges);
  return std::optional<TableDigest>{std::move(d)};
}

}  // namespace

// Two connections digest tables side by side, biggest first (as verify does: PostgreSQL
// does the hashing, one backend per connection).
Result<std::vector<TableDigest>> run_digest(const std::string& conninfo,
                                            const pg::TableSelection& selection,
                                            CancelToken& cancel,
                                            const std::set<std::string>& leave_out) {
  if (cancel.cancelled()) return cancelled_error("digest");
  std::vector<pg::Connection> conns;
  for (int i = 0; i < 2; ++i) {
    auto conn = open_data_plane_connection(conninfo, "digest");
    if (!conn.ok()) return conn.error();
    conns.push_back(std::move(*conn));
  }
  CancelToken::Interrupt interrupt(cancel, [&] {
    for (auto& c : conns) c.cancel();
  });
  auto catalog = pg::load_catalog(conns[0], selection);
  if (!catalog.ok()) return catalog.error();
  const auto& tables = catalog->tables;
  std::vector<std::uint64_t> sizes(tables.size());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    auto rows = estimated_rows(conns[0], tables[i]);
    if (!rows.ok()) return rows.error();
    sizes[i] = *rows;
  }
  std::uint64_t total = 0;
  for (auto n : sizes) total += n;
  // Ranges as if every table were digested: a probe's windows were cut to this size.
  const std::uint64_t per_range = rows_per_range(total);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < tables.size(); ++i)
    if (!leave_out.count(tables[i].qualified())) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return sizes[a] > sizes[b]; });

  std::mutex mu;
  std::size_t next = 0;
  std::optional<Error> error;
  std::vector<std::optional<TableDigest>> digests(tables.size());
  auto work = [&](pg::Connection& conn) {
    for (;;) {
      std::size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (error || next == order.size()) return;
        i = order[next++];
      }
      auto d = cancel.cancelled() ? Result<std::optional<TableDigest>>(cancelled_error("digest"))
                                  : digest_table(conn, tables[i], per_range);
      std::lock_guard<std::mutex> lock(mu);
      if (!d.ok()) {
        if (!error) error = make_error(d.error().code, "digest of " + tables[i].qualified() + ": " +
                                                           d.error().message);
        return;
      }
      digests[i] = std::move(*d);
    }
  };
  std::thread other(work, std::ref(conns[1]));
  work(conns[0]);
  other.join();
  if (cancel.cancelled()) return cancelled_error("digest");
  if (error) return *error;
  std::vector<TableDigest> out;
  for (auto& d : digests)
    if (d) out.push_back(std::move(*d));
  return out;
}

nlohmann::json digest_to_json(const std::vector<TableDigest>& digest) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : digest) {
    nlohmann::json columns = nlohmann::json::array(), rows = nlohmann::json::array(),
                   sums = nlohmann::json::array();
    for (const auto& c : d.columns) columns.push_back({c.name, c.type});
    for (const auto& s : d.sums) {
      rows.push_back(s.rows);
      sums.push_back(s.sum);
    }
    out.push_back({{"schema", d.schema}, {"name", d.name}, {"key", d.key_column},
                   {"keyType", d.key_type}, {"columns", columns}, {"bounds", d.bounds},
                   {"rows", rows}, {"sums", sums}});
  }
  return out;
}

Result<std::vector<TableDigest>> digest_from_json(const nlohmann::json& j) {
  auto bad = [](const std::string& what) { return make_error("bad_digest", "range digest: " + what); };
  if (!j.is_array()) return bad("not a list of tables");
  std::vector<TableDigest> out;
  for (const auto& t : j) {
    try {
      TableDigest d;
      d.schema = t.at("schema").get<std::string>();
      d.name = t.at("name").get<std::string>();
      const std::string table = d.schema + "." + d.name;
      d.key_column = t.at("key").get<std::string>();
      d.key_type = t.at("keyType").get<std::string>();
      if (!can_cut_ranges(d.key_type)) return bad(table + ": key type " + d.key_type + " cannot cut ranges");
      for (const auto& c : t.at("columns")) d.columns.push_back({c.at(0).get<std::string>(), c.at(1).get<std::string>()});
      d.bounds = t.at("bounds").get<std::vector<std::string>>();
      const auto& rows = t.at("rows");
      const auto& sums = t.at("sums");
      if (d.bounds.size() >= kMaxRanges || rows.size() != d.bounds.size() + 1 || sums.size() != rows.size())
        return bad(table + ": needs one count and one sum per range, at most " + std::to_string(kMaxRanges) +
                   " ranges");
      for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::string sum = sums[i].get<std::string>();
        if (sum.empty() || sum.size() > 40 || sum.find_first_not_of("-0123456789") != std::string::npos)
          return bad(table + ": sum " + std::to_string(i) + " is not a decimal number");
        d.sums.push_back({rows[i].get<std::uint64_t>(), sum});
      }
      out.push_back(std::move(d));
    } catch (const nlohmann::json::exception& e) {
      return bad(std::string("malformed table entry: ") + e.what());
    }
  }
  return out;
}

std::uint64_t digest_rows(const TableDigest& d) {
  std::uint64_t n = 0;
  for (const auto& s : d.sums) n += s.rows;
  return n;
}

bool digest_fits(const TableDigest& d, const pg::TableInfo& t) {
  if (t.primary_key.empty() || d.schema != t.schema || d.name != t.name ||
      d.key_column != t.primary_key.front() || d.sums.size() != d.bounds.size() + 1)
    return false;
  const pg::ColumnInfo* key = t.column(d.key_column);
  if (!key || key->type != d.key_type || !can_cut_ranges(key->type)) return false;
  auto cols = hashed_columns(t);
  if (cols.size() != d.columns.size()) return false;
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i].name != d.columns[i].name || cols[i].type != d.columns[i].type) return false;
  return true;
}

}  // namespace tandem
