// verify: the target's content checksum of each synced table, over the rows the snapshot
// speaks for, compared with the manifest (which the source computed with the same SQL).
//
// Which rows: in merge mode a table that went through staging may also hold rows the
// source never had (merge keeps them), so only rows whose key is in the staging table are
// counted; a table loaded directly (it was empty) or synced in mirror mode must equal
// the snapshot whole. Either way the target's own demo rows (exclude_rows) are left out.
#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "base/failpoint.hpp"
#include "persistence/dataplane/range_digest.hpp"
#include "persistence/dataplane/restore.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "persistence/dataplane/staging_loader.hpp"
#include "persistence/dataplane/table_checksum.hpp"

namespace tandem {
namespace {

Result<bool> has_staging(pg::Connection& conn, const TablePlan& p) {
  auto v = conn.scalar("SELECT to_regclass($1) IS NOT NULL",
                       {pg::qualified_name(conn, kStagingSchema, p.staging_table)});
  if (!v.ok()) return v.error();
  return v->value_or("f") == "t";
}

// The target's checksum over the rows the snapshot speaks for. In merge mode those are the
// kept rows whose key is in the staging table (a semi-join with it, which costs more than
// hashing the rows). Cheaper and as strong: when the target's kept rows number exactly
// the snapshot's rows, their whole-table checksum comes first. If it equals the
// snapshot's, the kept rows are the snapshot's rows (up to the checksum's own collision
// odds, the same every verify accepts), so their keys are the staged keys and the
// semi-join would sum the very same rows. Any other outcome (the target keeps rows of its
// own, or differs) falls back to the semi-join, whose figures are the ones to report.
Result<TableChecksum> target_checksum(pg::Connection& conn, const TablePlan& p, SyncMode mode,
                                      const ManifestTable& mt, RowHash row_hash) {
  // The manifest's columns (same names and types as the target's, convert checked), so
  // the target hashes each one exactly as the source did.
  std::vector<HashedColumn> columns;
  for (const auto& c : mt.columns) columns.push_back({c.name, c.type});
  // Kept rows, and of those only the ones matching `also` when given.
  auto checksum_of = [&](const std::string& also) {
    std::string where = p.kept_rows;
    if (!also.empty()) where = also + (where.empty() ? "" : " AND " + where);
    return checksum_sql(conn, p.target_from, "t", columns, where, row_hash);
  };
  if (mode != SyncMode::merge || !p.has_key()) return run_checksum(conn, checksum_of(""));
  auto staged = has_staging(conn, p);
  if (!staged.ok()) return staged.error();
  if (!*staged) return run_checksum(conn, checksum_of(""));  // loaded directly: whole table

  std::string count = "SELECT count(*)::text FROM " + p.target_from +
                      (p.kept_rows.empty() ? "" : " WHERE " + p.kept_rows);
  auto kept = conn.scalar(count);
  if (!kept.ok()) return kept.error();
  if (kept->value_or("") == std::to_string(mt.snapshot_rows)) {
    auto sum = run_checksum(conn, checksum_of(""));
    if (!sum.ok() || (sum->rows == mt.snapshot_rows && sum->sum == mt.checksum)) return sum;
  }
  // Range diff: the staging table holds only the shipped ranges' rows; the rows of every
  // other range hashed alike on both sides before the backup, so they all count.
  if (mt.ranges)
    return run_checksum(conn, checksum_of("(NOT " + in_ranges_sql(conn, "t", *mt.ranges) + " OR " +
                                          p.staging_keys + ")"));
  return run_checksum(conn, checksum_of(p.staging_keys));
}

std::string both(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return a + " AND " + b;
}

// The digest's entry for a range-diffed table, when it cut the ranges the manifest names.
const TableDigest* digest_of(const WrittenMeanwhile& written, const ManifestTable& mt) {
  for (const auto& d : written.digest)
    if (d.schema == mt.schema && d.name == mt.name && mt.ranges && d.key_column == mt.ranges->key_column &&
        d.bounds == mt.ranges->bounds && d.sums.size() == d.bounds.size() + 1)
      return &d;
  return nullptr;
}

// A table that differs, compared again with the keys written on the target meanwhile
// left out of both sides: the target's rows in scope without them, against the manifest
// minus the snapshot's rows with those keys (the staging table holds the snapshot's
// rows). For a range-diffed table, a range that was not shipped and holds a written key
// is left out whole: its snapshot sums are the digest's (it hashed alike on both sides,
// which is why it was not shipped), and its rows on the target are not compared.
// Returns how many keys that left out when the rest then matches, nothing when it does
// not apply or still differs.
Result<std::optional<std::uint64_t>> recheck_without_written(pg::Connection& conn, const TablePlan& p,
                                                             SyncMode mode, const Manifest& m,
                                                             RowHash row_hash, const WrittenMeanwhile& written,
                                                             const CancelToken& cancel) {
  const ManifestTable& mt = m.tables.at(p.manifest_table);
  const std::optional<std::uint64_t> no;
  if (!p.has_key()) return no;
  const TableDigest* digest = mt.ranges ? digest_of(written, mt) : nullptr;
  if (mt.ranges && (!digest || !written.written_keys)) return no;
  auto staged = has_staging(conn, p);
  if (!staged.ok()) return staged.error();
  if (!*staged) {  // loaded directly (it was empty): stage the snapshot's rows now
    if (!written.spool) return no;
    if (auto s = stage_table(conn, m, p, *written.spool, nullptr, cancel); !s.ok()) return s.error();
  }
  std::vector<HashedColumn> columns;
  for (const auto& c : mt.columns) columns.push_back({c.name, c.type});
  std::string scope = p.kept_rows;
  if (mode == SyncMode::merge)
    scope = both(scope, mt.ranges ? "(NOT " + in_ranges_sql(conn, "t", *mt.ranges) + " OR " + p.staging_keys + ")"
                                  : p.staging_keys);
  std::string written_t = written.key_written(p.target, "t");
  const std::string written_s = written.key_written(p.target, "s");

  // Ranges not shipped that hold a written key: out whole, on both sides.
  RangeSum ranges_out;
  std::optional<std::uint64_t> range_keys;
  if (mt.ranges) {
    const auto& r = *mt.ranges;
    const std::string keys = written.written_keys(p.target, r.key_column, r.key_type);
    auto touched = conn.query("SELECT DISTINCT " + range_number_sql(conn, "w", "k", r.key_type, r.bounds) +
                              " FROM (" + keys + ") w(k)");
    if (!touched.ok()) return touched.error();
    ManifestRanges out = r;
    out.shipped.clear();
    std::string sums;
    for (const auto& row : *touched) {
      const auto n = static_cast<std::uint32_t>(std::stoul(row.at(0).value_or("0")));
      if (std::binary_search(r.shipped.begin(), r.shipped.end(), n) || n >= digest->sums.size()) continue;
      out.shipped.push_back(n);
      ranges_out.rows += digest->sums[n].rows;
      sums += " + " + digest->sums[n].sum;
    }
    if (!out.shipped.empty()) {
      std::sort(out.shipped.begin(), out.shipped.end());
      written_t = "(" + written_t + " OR " + in_ranges_sql(conn, "t", out) + ")";
      auto total = conn.scalar("SELECT (0" + sums + ")::numeric::text");
      if (!total.ok()) return total.error();
      ranges_out.sum = total->value_or("0");
    }
    auto n = conn.scalar("SELECT count(*)::text FROM (" + keys + ") w(k)");  // one row per key
    if (!n.ok()) return n.error();
    range_keys = std::stoull(n->value_or("0"));
  }

  // The keys left out, on either side (a row the application deleted is only in the
  // snapshot, one it inserted in mirror mode only on the target).
  std::uint64_t left_out = 0;
  if (range_keys) {
    left_out = *range_keys;
  } else {
    std::string t_keys, s_keys;
    for (const auto& k : p.target.primary_key) {
      t_keys += (t_keys.empty() ? "t." : ", t.") + conn.quote_ident(k);
      s_keys += (s_keys.empty() ? "s." : ", s.") + conn.quote_ident(k);
    }
    auto keys = conn.scalar("SELECT count(*)::text FROM (SELECT " + t_keys + " FROM " + p.target_from + " WHERE " +
                            both(scope, written_t) + " UNION SELECT " + s_keys + " FROM " + p.staging_from +
                            " WHERE " + written_s + ") k");
    if (!keys.ok()) return keys.error();
    left_out = std::stoull(keys->value_or("0"));
  }
  if (left_out == 0) return no;  // nothing written explains it
  auto gone = run_checksum(conn, checksum_sql(conn, p.staging_from, "s", columns, written_s, row_hash));
  if (!gone.ok()) return gone.error();
  auto rest = run_checksum(conn, checksum_sql(conn, p.target_from, "t", columns,
                                              both(scope, "NOT " + written_t), row_hash));
  if (!rest.ok()) return rest.error();
  if (rest->rows + gone->rows + ranges_out.rows != mt.snapshot_rows) return no;
  auto same = conn.scalar("SELECT ($1::numeric + $2::numeric + $3::numeric = $4::numeric)::text",
                          {rest->sum, gone->sum, ranges_out.sum, mt.checksum});
  if (!same.ok()) return same.error();
  if (same->value_or("") != "true") return no;
  return std::optional<std::uint64_t>(left_out);
}

std::string describe(const TableMismatch& m) {
  std::ostringstream out;
  out << m.table << ": " << m.expected_rows << " rows (sum " << m.expected_sum
      << ") in the source's snapshot, " << m.found_rows << " rows (sum " << m.found_sum
      << ") on the target";
  return out.str();
}

}  // namespace

// Two connections hash tables side by side, biggest first (PostgreSQL does the hashing,
// one backend per connection, so the two cores of a small server both work); this thread
// only waits, reports progress and collects, because the progress callback may only be
// called from the caller's thread (it sends actor messages).
constexpr int kVerifyConnections = 2;

Status run_verify(const std::string& conninfo, const Manifest& manifest, const RestorePlan& plan,
                  const ProgressFn& progress, CancelToken& cancel, const WrittenMeanwhile* written,
                  VerifyReport* report) {
  if (cancel.cancelled()) return cancelled_error("verify");
  const auto row_hash = row_hash_from_string(manifest.row_hash);
  if (!row_hash) return make_error("bad_manifest", "unknown row_hash \"" + manifest.row_hash + "\"");
  std::vector<pg::Connection> conns;
  for (int i = 0; i < kVerifyConnections; ++i) {
    auto conn = open_data_plane_connection(conninfo, "verify");
    if (!conn.ok()) return conn.error();
    conns.push_back(std::move(*conn));
  }
  CancelToken::Interrupt interrupt(cancel, [&] {
    for (auto& c : conns) c.cancel();
  });

  const std::size_t n = plan.tables.size();
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return manifest.tables.at(plan.tables[a].manifest_table).raw_bytes >
           manifest.tables.at(plan.tables[b].manifest_table).raw_bytes;
  });
  std::mutex mu;
  std::condition_variable changed;
  std::size_t next = 0;
  bool failed = false;
  std::deque<std::size_t> finished;
  std::vector<std::optional<Result<TableChecksum>>> sums(n);
  auto hash_tables = [&](pg::Connection& conn) {
    for (;;) {
      std::size_t i;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (failed || next == n) return;
        i = order[next++];
      }
      const auto& p = plan.tables[i];
      auto sum = target_checksum(conn, p, plan.mode, manifest.tables.at(p.manifest_table), *row_hash);
      std::lock_guard<std::mutex> lock(mu);
      failed |= !sum.ok();
      sums[i] = std::move(sum);
      finished.push_back(i);
      changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (auto& c : conns) workers.emplace_back(hash_tables, std::ref(c));

  DataProgress done;
  done.bytes_total = manifest.total_raw_bytes();
  for (const auto& p : plan.tables) done.rows_total += manifest.tables.at(p.manifest_table).snapshot_rows;
  std::optional<Error> error;
  std::vector<TableMismatch> mismatches;
  for (std::size_t reported = 0; reported < n && !error;) {
    std::size_t i;
    {
      std::unique_lock<std::mutex> lock(mu);
      changed.wait(lock, [&] { return !finished.empty(); });
      i = finished.front();
      finished.pop_front();
    }
    ++reported;
    const auto& p = plan.tables[i];
    const auto& mt = manifest.tables.at(p.manifest_table);
    const auto& sum = *sums[i];
    if (!sum.ok()) {
      error = make_error(sum.error().code, "verify of " + p.target.qualified() + ": " + sum.error().message);
      break;
    }
    if (sum->rows != mt.snapshot_rows || sum->sum != mt.checksum)
      mismatches.push_back(
          TableMismatch{p.target.qualified(), mt.snapshot_rows, sum->rows, mt.checksum, sum->sum});
    done.bytes_done += mt.raw_bytes;
    done.rows_done += mt.snapshot_rows;
    done.table = p.target.qualified();
    if (progress) progress(done);
    failpoint("verify_table");
  }
  for (auto& w : workers) w.join();  // after an error they stop at their current table
  if (cancel.cancelled()) return cancelled_error("verify");
  if (error) return *error;
  // Plan order, not finishing order: the message and the report read the same every run.
  std::sort(mismatches.begin(), mismatches.end(), [&](const TableMismatch& a, const TableMismatch& b) {
    auto at = [&](const std::string& t) {
      for (std::size_t i = 0; i < n; ++i)
        if (plan.tables[i].target.qualified() == t) return i;
      return n;
    };
    return at(a.table) < at(b.table);
  });
  if (written && written->key_written && !mismatches.empty()) {
    std::vector<TableMismatch> still;
    for (const auto& m : mismatches) {
      std::size_t i = 0;
      while (plan.tables[i].target.qualified() != m.table) ++i;
      const auto& p = plan.tables[i];
      auto left_out = recheck_without_written(conns.front(), p, plan.mode, manifest, *row_hash, *written,
                                              cancel);
      if (!left_out.ok())
        return make_error(left_out.error().code, "verify of " + m.table + ": " + left_out.error().message);
      if (!*left_out) still.push_back(m);
      else if (report) report->left_out.emplace_back(m.table, **left_out);
    }
    mismatches = std::move(still);
  }
  if (mismatches.empty()) return ok_status();
  std::string message = "the target differs from the source's snapshot in " +
                        std::to_string(mismatches.size()) + " table(s): ";
  for (std::size_t i = 0; i < mismatches.size(); ++i)
    message += (i ? "; " : "") + describe(mismatches[i]);
  message += ". Rows may have been changed on the target during the sync; run the full sync "
             "again (mirror mode makes the tables equal)";
  return make_error("verify_mismatch", message, mismatches.front().table);
}

}  // namespace tandem
