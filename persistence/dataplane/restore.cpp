// restore: the whole target side of a full sync's writes, in one transaction.
//
//   BEGIN; SET LOCAL tandem.origin = '<source>'; kRestoreSettings; [SET CONSTRAINTS ALL DEFERRED]
//   1. load: per table (parents first), an empty target table is marked for the fast
//      path; any other gets a fresh staging table, loaded with binary COPY, ANALYZEd.
//   2. mirror mode: delete kept target rows the source does not have, children first.
//   3. apply: parents first, the fast-path tables get their chunks by COPY straight into
//      the table (here, not in step 1, so their parents' rows are already merged) without
//      per-row foreign-key checks and triggers where allowed (bulk_load.hpp), the others
//      are merged from staging.
//   4. the foreign keys of the tables loaded without per-row checks, proven set-based.
//   5. sequences past the highest value; COMMIT.
// Any error or a cancel: ROLLBACK, so the target (staging tables included) is as before.
#include "base/failpoint.hpp"
#include "persistence/dataplane/restore.hpp"

#include <algorithm>

#include "persistence/dataplane/bulk_load.hpp"
#include "persistence/dataplane/copy_binary.hpp"
#include "persistence/dataplane/session_settings.hpp"

namespace tandem {
namespace {

std::uint64_t to_u64(const pg::Value& v) { return v ? std::stoull(*v) : 0; }

class RestoreRun {
 public:
  RestoreRun(pg::Connection& conn, const Manifest& m, const RestorePlan& plan, const Spool& spool,
             const ProgressFn& progress, const CancelToken& cancel)
      : conn_(conn), m_(m), plan_(plan), spool_(spool), report_(progress), cancel_(cancel) {
    done_.bytes_total = m.total_raw_bytes();
    done_.rows_total = m.total_rows();
  }

  Result<RestoreStats> run(const std::string& origin,
                           const std::function<Status(pg::Connection&)>& before_commit) {
    // client_min_messages: "table … does not exist, skipping" is not news for a log.
    std::string begin = "BEGIN; SET LOCAL client_min_messages = warning; SET LOCAL tandem.origin = " +
                        conn_.quote_literal(origin) + "; " + kRestoreSettings;
    if (plan_.defer_constraints) begin += " SET CONSTRAINTS ALL DEFERRED;";
    begin += " CREATE SCHEMA IF NOT EXISTS " + conn_.quote_ident(kStagingSchema);
    if (auto s = conn_.exec(begin); !s.ok()) return s.error();

    std::vector<bool> direct(plan_.tables.size(), false);
    for (std::size_t i = 0; i < plan_.tables.size(); ++i) {
      auto d = load(plan_.tables[i]);
      if (!d.ok()) return d.error();
      direct[i] = *d;
    }
    if (plan_.mode == SyncMode::mirror)
      for (std::size_t i = plan_.tables.size(); i-- > 0;) {
        if (direct[i]) continue;  // it was empty: nothing to delete
        auto deleted = step(plan_.tables[i], plan_.tables[i].mirror_delete);
        if (!deleted.ok()) return deleted.error();
        stats_.rows_deleted += to_u64(deleted->at(0)[0]);
      }
    for (std::size_t i = 0; i < plan_.tables.size(); ++i)
      if (auto s = apply(plan_.tables[i], direct[i]); !s.ok()) return s.error();
    for (const auto& [table, checks] : unchecked_)
      if (auto s = prove_foreign_keys(conn_, table, checks); !s.ok()) return fail(s.error(), table);
    for (const auto& p : plan_.tables)
      for (const auto& sql : p.sequence_updates)
        if (auto r = step(p, sql); !r.ok()) return r.error();
    if (before_commit)
      if (auto s = before_commit(conn_); !s.ok()) return fail(s.error(), "before commit");
    if (auto s = conn_.exec("COMMIT"); !s.ok()) return fail(s.error(), "commit");
    return stats_;
  }

 private:
  const ManifestTable& table_of(const TablePlan& p) const { return m_.tables[p.manifest_table]; }

  Error fail(const Error& e, const std::string& table) const {
    if (cancel_.cancelled()) return cancelled_error("restore");
    return make_error(e.code, "restore of " + table + ": " + e.message, e.field);
  }

  // One statement for `p` that returns rows (the counts of a CTE, or a setval).
  Result<pg::Rows> step(const TablePlan& p, const std::string& sql) {
    if (cancel_.cancelled()) return cancelled_error("restore");
    auto rows = conn_.query(sql);
    if (!rows.ok()) return fail(rows.error(), p.target.qualified());
    return rows;
  }

  // Step 1 for one table; true when the target table is empty (fast path).
  Result<bool> load(const TablePlan& p) {
    auto empty = step(p, p.is_empty);
    if (!empty.ok()) return empty.error();
    bool direct = empty->at(0)[0].value_or("f") == "t";
    // A staging table left by an earlier attempt goes either way: verify treats "has a
    // staging table" as "was merged".
    if (auto s = conn_.exec(p.drop_staging); !s.ok()) return fail(s.error(), p.target.qualified());
    if (direct) return true;
    if (auto s = conn_.exec(p.create_staging); !s.ok()) return fail(s.error(), p.target.qualified());
    if (auto s = copy_chunks(p, p.copy_into_staging); !s.ok()) return s.error();
    if (auto s = conn_.exec(p.analyze_staging); !s.ok()) return fail(s.error(), p.target.qualified());
    return false;
  }

  // Step 3 for one table.
  Status apply(const TablePlan& p, bool direct) {
    const auto& mt = table_of(p);
    if (direct) {
      if (auto s = load_directly(p); !s.ok()) return s;
      stats_.rows_inserted += mt.rows;
      ++stats_.tables_loaded_directly;
    } else {
      auto counts = step(p, p.merge);
      if (!counts.ok()) return counts.error();
      stats_.rows_inserted += to_u64(counts->at(0)[0]);
      stats_.rows_updated += to_u64(counts->at(0)[1]);
    }
    done_.table = p.target.qualified();
    if (report_) report_(done_);
    return ok_status();
  }

  // The fast path: COPY into the empty table, without per-row checks when allowed; its
  // foreign keys are then proven once all tables are in (run() step 4).
  Status load_directly(const TablePlan& p) {
    const std::string name = p.target.qualified();
    auto bulk = plan_bulk_load(conn_, pg::qualified_name(conn_, p.target.schema, p.target.name));
    if (!bulk.ok()) return fail(bulk.error(), name);
    bool suspended = false;
    if (bulk->eligible && may_suspend_checks_) {
      auto s = suspend_row_checks(conn_);
      if (!s.ok()) return fail(s.error(), name);
      suspended = may_suspend_checks_ = *s;  // refused once, refused for the whole run
    }
    if (auto s = copy_chunks(p, p.copy_into_target); !s.ok()) return s;
    if (!suspended) return ok_status();
    if (auto s = resume_row_checks(conn_); !s.ok()) return fail(s.error(), name);
    unchecked_.emplace_back(name, std::move(bulk->checks));
    ++stats_.tables_bulk_loaded;
    return ok_status();
  }

  // One binary COPY carrying every chunk of the table: header, each chunk's tuples in
  // chunk order, trailer. Memory: one chunk at a time.
  Status copy_chunks(const TablePlan& p, const std::string& copy_sql) {
    const auto& mt = table_of(p);
    std::string name = p.target.qualified();
    if (cancel_.cancelled()) return cancelled_error("restore");
    if (auto s = conn_.copy_in_begin(copy_sql); !s.ok()) return fail(s.error(), name);
    const auto& header = copy_binary_header();
    if (auto s = conn_.copy_in_put(header.data(), header.size()); !s.ok()) return abort(s.error(), name);
    for (std::uint64_t c = mt.first_chunk; c < mt.first_chunk + mt.chunk_count; ++c) {
      if (cancel_.cancelled()) return abort(cancelled_error("restore"), name);
      const ChunkInfo& info = m_.chunks.at(c);
      auto raw = spool_.read_raw(info);
      if (!raw.ok())
        return abort(make_error(raw.error().code,
                                "chunk " + std::to_string(c) + ": " + raw.error().message +
                                    "; the spool copy is damaged, run the full sync again "
                                    "(transfer fetches the chunk anew)"),
                     name);
      if (auto s = conn_.copy_in_put(raw->data(), raw->size()); !s.ok()) return abort(s.error(), name);
      stats_.rows_loaded += info.rows;
      done_.bytes_done += info.raw_bytes;
      done_.rows_done += info.rows;
      done_.table = name;
      if (report_) report_(done_);
      failpoint("restore_chunk");
    }
    const auto& trailer = copy_binary_trailer();
    if (auto s = conn_.copy_in_put(trailer.data(), trailer.size()); !s.ok()) return abort(s.error(), name);
    if (auto s = conn_.copy_in_end(); !s.ok()) return fail(s.error(), name);
    return ok_status();
  }

  // Leaves COPY mode (the server discards the rows) so that ROLLBACK can run.
  Error abort(const Error& e, const std::string& table) {
    (void)conn_.copy_in_end("tandem restore stopped: " + e.message);
    return e.code == "cancelled" ? e : fail(e, table);
  }

  pg::Connection& conn_;
  const Manifest& m_;
  const RestorePlan& plan_;
  const Spool& spool_;
  const ProgressFn& report_;
  const CancelToken& cancel_;
  DataProgress done_;
  RestoreStats stats_;
  bool may_suspend_checks_ = true;
  std::vector<std::pair<std::string, std::vector<ForeignKeyCheck>>> unchecked_;
};

}  // namespace

Result<RestoreStats> run_restore(const RestoreRequest& req, const Manifest& manifest,
                                 const RestorePlan& plan, const Spool& spool,
                                 const ProgressFn& progress, CancelToken& cancel) {
  if (cancel.cancelled()) return cancelled_error("restore");
  auto conn = open_data_plane_connection(req.conninfo, "restore");
  if (!conn.ok()) return conn.error();
  CancelToken::Interrupt interrupt(cancel, [&] { conn->cancel(); });
  RestoreRun run(*conn, manifest, plan, spool, progress, cancel);
  auto stats = run.run(req.origin_node, req.before_commit);
  if (!stats.ok()) {
    // Explicit, so the target is back as it was when this returns (a closed connection
    // would roll back too, but only some time later). A broken connection has rolled
    // back already; its error here does not matter.
    (void)conn->exec("ROLLBACK");
    return stats.error();
  }
  return stats;
}

}  // namespace tandem
