// restore: the whole target side of a full sync's writes, in one transaction.
//
//   BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL tandem.origin = '<source>';
//   kRestoreSettings; [SET CONSTRAINTS ALL DEFERRED]
//   1. per table (parents first), an empty target table is marked for the fast path
//      (and, in a database not yet in use, loses the indexes it gets back in step 4);
//      the others are handed to the staging loader (staging_loader.hpp), which loads
//      them on a second connection, committed one by one, while this one merges.
//   2. mirror mode: once every staging table is in, delete kept target rows the source
//      does not have, children first.
//   3. apply: parents first, the fast-path tables get their chunks by COPY straight into
//      the table (here, so their parents' rows are already merged) without per-row
//      foreign-key checks and triggers where allowed (bulk_load.hpp); the others are
//      merged from staging as soon as the loader has committed theirs.
//   4. the indexes and keys of the fast-path tables, dropped before their load, built
//      again (index_rebuild.hpp); the foreign keys of the tables loaded without per-row
//      checks that this did not re-add, proven set-based.
//   5. sequences past the highest value; COMMIT.
// Any error or a cancel: ROLLBACK and the staging tables dropped, so the target is as
// before.
#include "persistence/dataplane/restore.hpp"

#include <algorithm>
#include <mutex>

#include "persistence/dataplane/bulk_load.hpp"
#include "persistence/dataplane/chunk_copy.hpp"
#include "persistence/dataplane/index_rebuild.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "persistence/dataplane/staging_loader.hpp"

namespace tandem {
namespace {

std::uint64_t to_u64(const pg::Value& v) { return v ? std::stoull(*v) : 0; }

class RestoreRun {
 public:
  RestoreRun(pg::Connection& conn, const Manifest& m, const RestorePlan& plan, const Spool& spool,
             const ProgressFn& progress, const CancelToken& cancel)
      : conn_(conn), m_(m), plan_(plan), spool_(spool), report_(progress), cancel_(cancel),
        loader_(m, plan, spool, [this](const TablePlan& p, const ChunkInfo& c) { chunk_done(p, c); }) {
    done_.bytes_total = m.total_raw_bytes();
    done_.rows_total = m.total_rows();
  }

  StagingLoader& loader() { return loader_; }

  Result<RestoreStats> run(const std::string& conninfo, const std::string& origin,
                           const std::function<Status(pg::Connection&)>& before_commit) {
    // READ COMMITTED whatever the database's default: each merge must see the staging
    // table the loader committed after this transaction began.
    // client_min_messages: "table … does not exist, skipping" is not news for a log.
    std::string begin = "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL client_min_messages = warning; "
                        "SET LOCAL tandem.origin = " + conn_.quote_literal(origin) + "; " + kRestoreSettings;
    if (plan_.defer_constraints) begin += " SET CONSTRAINTS ALL DEFERRED;";
    if (auto s = conn_.exec(begin); !s.ok()) return s.error();

    std::vector<bool> direct(plan_.tables.size(), false);
    std::vector<std::size_t> staged;
    std::string in_use;  // a table holding kInUseRows rows or more, if any
    for (std::size_t i = 0; i < plan_.tables.size(); ++i) {
      const auto& p = plan_.tables[i];
      auto held = step(p, p.rows_held);
      if (!held.ok()) return held.error();
      const std::uint64_t rows = to_u64(held->at(0)[0]);
      direct[i] = rows == 0;
      if (rows >= kInUseRows && in_use.empty()) in_use = p.target.qualified();
      if (!direct[i]) {
        staged.push_back(i);
      } else if (auto s = conn_.exec(p.drop_staging); !s.ok()) {
        // A staging table left by an earlier attempt: verify treats "has a staging
        // table" as "was merged".
        return fail(s.error(), p.target.qualified());
      }
    }
    if (!in_use.empty() && std::find(direct.begin(), direct.end(), true) != direct.end())
      stats_.indexes_kept_because = "the target is in use (" + in_use + " holds " +
                                    std::to_string(kInUseRows) + " rows or more), so no table is locked for the restore";
    else if (auto s = drop_indexes_of_empty_tables(direct); !s.ok())
      return s.error();
    if (!staged.empty())
      if (auto s = loader_.start(conninfo, staged); !s.ok()) return fail(s.error(), "staging");
    if (plan_.mode == SyncMode::mirror)
      for (std::size_t i = plan_.tables.size(); i-- > 0;) {
        if (direct[i]) continue;  // it was empty: nothing to delete
        if (auto s = staged_ready(i); !s.ok()) return s.error();
        auto deleted = step(plan_.tables[i], plan_.tables[i].mirror_delete);
        if (!deleted.ok()) return deleted.error();
        stats_.rows_deleted += to_u64(deleted->at(0)[0]);
      }
    for (std::size_t i = 0; i < plan_.tables.size(); ++i)
      if (auto s = apply(i, direct[i]); !s.ok()) return s.error();
    loader_.stop();
    if (!rebuild_.empty())
      if (auto s = rebuild_indexes(conn_, rebuild_, cancel_); !s.ok()) return fail(s.error(), "the tables loaded directly");
    for (auto& [table, checks] : unchecked_) {
      checks.erase(std::remove_if(checks.begin(), checks.end(),
                                  [&, &t = table](const ForeignKeyCheck& c) {
                                    return rebuild_.rebuilds_foreign_key(t, c.constraint);
                                  }),
                   checks.end());
      if (auto s = prove_foreign_keys(conn_, table, checks); !s.ok()) return fail(s.error(), table);
    }
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
    if (cancel_.cancelled() || e.code == "cancelled") return cancelled_error("restore");
    return make_error(e.code, "restore of " + table + ": " + e.message, e.field);
  }

  // One statement for `p` that returns rows (the counts of a CTE, or a setval).
  Result<pg::Rows> step(const TablePlan& p, const std::string& sql) {
    if (cancel_.cancelled()) return cancelled_error("restore");
    auto rows = conn_.query(sql);
    if (!rows.ok()) return fail(rows.error(), p.target.qualified());
    return rows;
  }

  Status staged_ready(std::size_t i) {
    if (auto s = loader_.wait_for(i); !s.ok())
      return fail(s.error(), plan_.tables.at(loader_.failing_table()).target.qualified());
    return ok_status();
  }

  // Step 1's end: the fast-path tables lose the indexes and keys that can be built again
  // after their load (the drops roll back with the transaction).
  Status drop_indexes_of_empty_tables(const std::vector<bool>& direct) {
    std::vector<std::string> tables;
    for (std::size_t i = 0; i < plan_.tables.size(); ++i)
      if (direct[i]) tables.push_back(pg::qualified_name(conn_, plan_.tables[i].target.schema, plan_.tables[i].target.name));
    auto planned = plan_index_rebuild(conn_, tables);
    if (!planned.ok()) return fail(planned.error(), "the tables loaded directly");
    auto refused = drop_for_rebuild(conn_, *planned);
    if (!refused.ok()) return fail(refused.error(), "the tables loaded directly");
    if (!refused->empty()) {
      stats_.indexes_kept_because = *refused;
      return ok_status();
    }
    rebuild_ = std::move(*planned);
    stats_.indexes_rebuilt = rebuild_.index_count();
    return ok_status();
  }

  // Progress after each chunk sent, from whichever thread sent it.
  void chunk_done(const TablePlan& p, const ChunkInfo& c) {
    std::lock_guard<std::mutex> lock(progress_mutex_);
    if (cancel_.cancelled()) return;  // nothing more to tell, whichever loader it was
    rows_loaded_ += c.rows;
    done_.bytes_done += c.raw_bytes;
    done_.rows_done += c.rows;
    done_.table = p.target.qualified();
    if (report_) report_(done_);
  }

  // Step 3 for one table.
  Status apply(std::size_t i, bool direct) {
    const auto& p = plan_.tables[i];
    const auto& mt = table_of(p);
    if (direct) {
      if (auto s = load_directly(p); !s.ok()) return s;
      stats_.rows_inserted += mt.rows;
      ++stats_.tables_loaded_directly;
    } else {
      if (auto s = staged_ready(i); !s.ok()) return s;
      if (!p.diff.empty())
        if (auto d = step(p, p.diff); !d.ok()) return d.error();
      auto counts = step(p, p.merge);
      if (!counts.ok()) return counts.error();
      if (!p.drop_diff.empty())
        if (auto s = conn_.exec(p.drop_diff); !s.ok()) return fail(s.error(), p.target.qualified());
      stats_.rows_inserted += to_u64(counts->at(0)[0]);
      stats_.rows_updated += to_u64(counts->at(0)[1]);
    }
    std::lock_guard<std::mutex> lock(progress_mutex_);
    stats_.rows_loaded = rows_loaded_;
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
    auto after_chunk = [&](const ChunkInfo& c) { chunk_done(p, c); };
    if (auto s = copy_chunks_in(conn_, p.copy_into_target, m_, table_of(p), spool_, after_chunk, cancel_);
        !s.ok())
      return fail(s.error(), name);
    if (!suspended) return ok_status();
    if (auto s = resume_row_checks(conn_); !s.ok()) return fail(s.error(), name);
    unchecked_.emplace_back(name, std::move(bulk->checks));
    ++stats_.tables_bulk_loaded;
    return ok_status();
  }

  pg::Connection& conn_;
  const Manifest& m_;
  const RestorePlan& plan_;
  const Spool& spool_;
  const ProgressFn& report_;
  const CancelToken& cancel_;
  std::mutex progress_mutex_;  // done_ and rows_loaded_: the loader reports too
  DataProgress done_;
  std::uint64_t rows_loaded_ = 0;
  RestoreStats stats_;
  bool may_suspend_checks_ = true;
  IndexRebuild rebuild_;  // what step 1 dropped and step 4 builds again
  std::vector<std::pair<std::string, std::vector<ForeignKeyCheck>>> unchecked_;
  StagingLoader loader_;  // last: destroyed (stopped) first
};

}  // namespace

Result<RestoreStats> run_restore(const RestoreRequest& req, const Manifest& manifest,
                                 const RestorePlan& plan, const Spool& spool,
                                 const ProgressFn& progress, CancelToken& cancel) {
  if (cancel.cancelled()) return cancelled_error("restore");
  auto conn = open_data_plane_connection(req.conninfo, "restore");
  if (!conn.ok()) return conn.error();
  RestoreRun run(*conn, manifest, plan, spool, progress, cancel);
  CancelToken::Interrupt interrupt(cancel, [&] {
    conn->cancel();
    run.loader().cancel();
  });
  auto stats = run.run(req.conninfo, req.origin_node, req.before_commit);
  if (!stats.ok()) {
    run.loader().stop();
    // Explicit, so the target is back as it was when this returns (a closed connection
    // would roll back too, but only some time later). A broken connection has rolled
    // back already; its error here does not matter, and the session's cleanup drops
    // the staging tables later.
    (void)conn->exec("ROLLBACK");
    (void)drop_staging(*conn, plan.session_id);
    return stats.error();
  }
  return stats;
}

}  // namespace tandem
