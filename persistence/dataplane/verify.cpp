// verify: the target's content checksum of each synced table, over the rows the snapshot
// speaks for, compared with the manifest (which the source computed with the same SQL).
//
// Which rows: in merge mode a table that went through staging may also hold rows the
// source never had (merge keeps them), so only rows whose key is in the staging table are
// counted; a table loaded directly (it was empty) or synced in mirror mode must equal
// the snapshot whole. Either way the target's own demo rows (exclude_rows) are left out.
#include <sstream>

#include "base/failpoint.hpp"
#include "persistence/dataplane/restore.hpp"
#include "persistence/dataplane/session_settings.hpp"
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
                                      const ManifestTable& mt) {
  // Kept rows, and of those only the ones matching `also` when given.
  auto checksum_of = [&](const std::string& also) {
    std::string where = p.kept_rows;
    if (!also.empty()) where = also + (where.empty() ? "" : " AND " + where);
    return checksum_sql(conn, p.target_from, "t", p.columns, where);
  };
  if (mode != SyncMode::merge || !p.has_key()) return run_checksum(conn, checksum_of(""));
  auto staged = has_staging(conn, p);
  if (!staged.ok()) return staged.error();
  if (!*staged) return run_checksum(conn, checksum_of(""));  // loaded directly: whole table

  std::string count = "SELECT count(*)::text FROM " + p.target_from +
                      (p.kept_rows.empty() ? "" : " WHERE " + p.kept_rows);
  auto kept = conn.scalar(count);
  if (!kept.ok()) return kept.error();
  if (kept->value_or("") == std::to_string(mt.rows)) {
    auto sum = run_checksum(conn, checksum_of(""));
    if (!sum.ok() || (sum->rows == mt.rows && sum->sum == mt.checksum)) return sum;
  }
  return run_checksum(conn, checksum_of(p.staging_keys));
}

std::string describe(const TableMismatch& m) {
  std::ostringstream out;
  out << m.table << ": " << m.expected_rows << " rows (sum " << m.expected_sum
      << ") in the source's snapshot, " << m.found_rows << " rows (sum " << m.found_sum
      << ") on the target";
  return out.str();
}

}  // namespace

Status run_verify(const std::string& conninfo, const Manifest& manifest, const RestorePlan& plan,
                  const ProgressFn& progress, CancelToken& cancel) {
  if (cancel.cancelled()) return cancelled_error("verify");
  auto conn = open_data_plane_connection(conninfo, "verify");
  if (!conn.ok()) return conn.error();
  CancelToken::Interrupt interrupt(cancel, [&] { conn->cancel(); });

  DataProgress done;
  done.bytes_total = manifest.total_raw_bytes();
  done.rows_total = manifest.total_rows();
  std::vector<TableMismatch> mismatches;
  for (const auto& p : plan.tables) {
    if (cancel.cancelled()) return cancelled_error("verify");
    const auto& mt = manifest.tables.at(p.manifest_table);
    auto sum = target_checksum(*conn, p, plan.mode, mt);
    if (!sum.ok()) {
      if (cancel.cancelled()) return cancelled_error("verify");
      return make_error(sum.error().code,
                        "verify of " + p.target.qualified() + ": " + sum.error().message);
    }
    if (sum->rows != mt.rows || sum->sum != mt.checksum)
      mismatches.push_back(
          TableMismatch{p.target.qualified(), mt.rows, sum->rows, mt.checksum, sum->sum});
    done.bytes_done += mt.raw_bytes;
    done.rows_done += mt.rows;
    done.table = p.target.qualified();
    if (progress) progress(done);
    failpoint("verify_table");
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
