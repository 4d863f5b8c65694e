#include "persistence/dataplane/range_probe.hpp"

#include <cmath>
#include <cstdio>

#include "persistence/dataplane/session_settings.hpp"

namespace tandem {
namespace {

// [lo, hi) windows over a key span, `width` keys each, centred on kProbeWindows evenly
// spaced points; empty when windows that wide would touch each other (a table that
// small is digested whole anyway).
std::vector<std::pair<long double, long double>> windows_over(long double lo, long double span,
                                                              long double width) {
  std::vector<std::pair<long double, long double>> out;
  const long double spacing = span / static_cast<long double>(kProbeWindows);
  width = std::max<long double>(1, std::floor(width));
  if (width >= spacing) return out;
  for (std::size_t j = 0; j < kProbeWindows; ++j) {
    long double start = std::floor(lo + (static_cast<long double>(j) + 0.5L) * spacing - width / 2);
    if (!out.empty() && start <= out.back().second) return {};
    out.emplace_back(start, start + width);
  }
  return out;
}

std::string uuid_at(long double top32) {
  char b[40];
  std::snprintf(b, sizeof b, "%08llx-0000-0000-0000-000000000000",
                static_cast<unsigned long long>(top32));
  return b;
}

// The windows of one table as probe bounds (pairs), or none.
Result<std::vector<std::string>> probe_bounds(pg::Connection& conn, const pg::TableInfo& t,
                                              const pg::ColumnInfo& key, std::uint64_t rows,
                                              std::uint64_t per_range) {
  std::vector<std::string> bounds;
  const long double share = static_cast<long double>(per_range) / static_cast<long double>(rows);
  if (key.type == "uuid") {  // random uuids fill their first 32 bits evenly
    const long double space = 4294967296.0L;
    for (const auto& [lo, hi] : windows_over(0, space, share * space)) {
      bounds.push_back(uuid_at(lo));
      bounds.push_back(uuid_at(hi));
    }
    return bounds;
  }
  const std::string k = "t." + conn.quote_ident(key.name);
  auto row = conn.query("SELECT min(" + k + ")::text, max(" + k + ")::text FROM " + table_from_clause(conn, t));
  if (!row.ok()) return row.error();
  if (!row->at(0)[0] || !row->at(0)[1]) return bounds;
  const long double lo = std::stold(*row->at(0)[0]), span = std::stold(*row->at(0)[1]) - lo + 1;
  for (const auto& [a, b] : windows_over(lo, span, share * span)) {
    bounds.push_back(std::to_string(static_cast<long long>(a)));
    bounds.push_back(std::to_string(static_cast<long long>(b)));
  }
  return bounds;
}

// "(k >= lo AND k < hi) OR …": the rows of the probe's windows, through the key's index.
std::string in_windows_sql(const pg::Connection& conn, const TableDigest& probe) {
  const std::string k = "t." + conn.quote_ident(probe.key_column);
  std::string sql;
  for (std::size_t i = 0; i + 1 < probe.bounds.size(); i += 2) {
    sql += sql.empty() ? "(" : " OR ";
    sql += "(" + k + " >= " + conn.quote_literal(probe.bounds[i]) + "::" + probe.key_type + " AND " + k +
           " < " + conn.quote_literal(probe.bounds[i + 1]) + "::" + probe.key_type + ")";
  }
  return sql.empty() ? "false" : sql + ")";
}

Result<std::vector<RangeSum>> hash_windows(pg::Connection& conn, const pg::TableInfo& t,
                                           const TableDigest& probe) {
  std::string where = in_windows_sql(conn, probe);
  std::string kept = kept_rows_condition(t.exclude_predicate);
  if (!kept.empty()) where += " AND " + kept;
  auto sums = hash_ranges(conn, table_from_clause(conn, t), where, probe);
  if (!sums.ok()) return sums.error();
  return std::move(sums->ranges);
}

bool probeable(const pg::TableInfo& t, const pg::ColumnInfo* key) {
  return !t.primary_key.empty() && key && (is_integer_type(key->type) || key->type == "uuid");
}

// Either side's step: a connection of its own and the selected tables' catalog for `step`,
// which a cancel interrupts.
template <class T, class Step>
Result<T> probe_step(const std::string& conninfo, const pg::TableSelection& selection, CancelToken& cancel,
                     Step step) {
  if (cancel.cancelled()) return cancelled_error("range probe");
  auto conn = open_data_plane_connection(conninfo, "probe");
  if (!conn.ok()) return conn.error();
  CancelToken::Interrupt interrupt(cancel, [&] { conn->cancel(); });
  auto catalog = pg::load_catalog(*conn, selection);
  if (!catalog.ok()) return catalog.error();
  Result<T> out = step(*conn, *catalog);
  if (cancel.cancelled()) return cancelled_error("range probe");
  return out;
}

Result<std::vector<TableDigest>> probe_tables(pg::Connection& conn, const pg::Catalog& catalog,
                                              const CancelToken& cancel, std::uint64_t from_rows) {
  std::vector<std::uint64_t> rows;
  std::uint64_t total = 0;
  for (const auto& t : catalog.tables) {
    auto n = estimated_rows(conn, t);
    if (!n.ok()) return n.error();
    rows.push_back(*n);
    total += *n;
  }
  // The size the digest's ranges would have (run_digest cuts with the same figure).
  const std::uint64_t per_range = rows_per_range(total);
  std::vector<TableDigest> out;
  for (std::size_t i = 0; i < catalog.tables.size(); ++i) {
    const auto& t = catalog.tables[i];
    const pg::ColumnInfo* key = t.primary_key.empty() ? nullptr : t.column(t.primary_key.front());
    if (rows[i] < from_rows || !probeable(t, key)) continue;
    if (cancel.cancelled()) return cancelled_error("range probe");
    TableDigest probe{t.schema, t.name, key->name, key->type, hashed_columns(t), {}, {}};
    auto bounds = probe_bounds(conn, t, *key, rows[i], per_range);
    if (!bounds.ok()) return make_error(bounds.error().code, "range probe of " + t.qualified() + ": " +
                                                                 bounds.error().message);
    if (bounds->empty()) continue;
    probe.bounds = std::move(*bounds);
    auto sums = hash_windows(conn, t, probe);
    if (!sums.ok()) return make_error(sums.error().code, "range probe of " + t.qualified() + ": " +
                                                             sums.error().message);
    probe.sums = std::move(*sums);
    out.push_back(std::move(probe));
  }
  return out;
}

Result<ProbeVerdict> judge_tables(pg::Connection& conn, const pg::Catalog& catalog,
                                  const std::vector<TableDigest>& probe, const CancelToken& cancel) {
  ProbeVerdict v;
  for (const auto& p : probe) {
    const std::string name = p.schema + "." + p.name;
    const pg::TableInfo* t = catalog.find(p.schema, p.name);
    // A probe that does not describe the table as this side sees it: its digest would
    // not fit either, so the table ships whole.
    if (!t || !digest_fits(p, *t) || p.bounds.size() % 2 != 0) {
      v.summary += (v.summary.empty() ? "" : "; ") + name + ": probe does not fit, ships whole";
      continue;
    }
    if (cancel.cancelled()) return cancelled_error("range probe");
    auto sums = hash_windows(conn, *t, p);
    if (!sums.ok()) return make_error(sums.error().code, "range probe of " + name + ": " + sums.error().message);
    std::size_t alike = 0, compared = 0;
    for (std::size_t r = 1; r < sums->size(); r += 2) {
      const RangeSum& mine = (*sums)[r];
      const RangeSum& theirs = p.sums[r];
      if (mine.rows == 0 && theirs.rows == 0) continue;  // a gap in the keys: says nothing
      ++compared;
      alike += mine == theirs;
    }
    const bool worth = compared == 0 || static_cast<double>(alike) >= kDigestPaysFromAlike * compared;
    if (worth) v.worth_digest.push_back(name);
    v.summary += (v.summary.empty() ? "" : "; ") + name + ": " + std::to_string(alike) + " of " +
                 std::to_string(compared) + " windows alike, " + (worth ? "digest" : "ships whole");
  }
  return v;
}

}  // namespace

Result<std::vector<TableDigest>> run_range_probe(const std::string& conninfo,
                                                 const pg::TableSelection& selection,
                                                 CancelToken& cancel, std::uint64_t from_rows) {
  return probe_step<std::vector<TableDigest>>(
      conninfo, selection, cancel,
      [&](pg::Connection& conn, const pg::Catalog& catalog) { return probe_tables(conn, catalog, cancel, from_rows); });
}

Result<ProbeVerdict> judge_range_probe(const std::string& conninfo, const pg::TableSelection& selection,
                                       const std::vector<TableDigest>& probe, CancelToken& cancel) {
  return probe_step<ProbeVerdict>(conninfo, selection, cancel, [&](pg::Connection& conn, const pg::Catalog& catalog) {
    return judge_tables(conn, catalog, probe, cancel);
  });
}

nlohmann::json verdict_to_json(const ProbeVerdict& v) {
  return {{"digest", v.worth_digest}, {"summary", v.summary}};
}

Result<ProbeVerdict> verdict_from_json(const nlohmann::json& j) {
  if (j.is_object() && j.contains("error") && j["error"].is_string())
    return make_error("probe_failed", "range probe: " + j["error"].get<std::string>());
  try {
    ProbeVerdict v;
    v.worth_digest = j.at("digest").get<std::vector<std::string>>();
    v.summary = j.value("summary", "");
    return v;
  } catch (const nlohmann::json::exception& e) {
    return make_error("bad_probe", std::string("range probe verdict: ") + e.what());
  }
}

std::set<std::string> tables_not_worth_digest(const std::vector<TableDigest>& probe,
                                              const ProbeVerdict& verdict) {
  std::set<std::string> worth(verdict.worth_digest.begin(), verdict.worth_digest.end());
  std::set<std::string> out;
  for (const auto& p : probe)
    if (!worth.count(p.schema + "." + p.name)) out.insert(p.schema + "." + p.name);
  return out;
}

}  // namespace tandem
