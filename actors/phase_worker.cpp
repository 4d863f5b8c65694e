#include "actors/phase_worker.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>

#include "actors/messages.hpp"
#include "base/failpoint.hpp"
#include "base/log.hpp"
#include "base/thread_name.hpp"
#include "persistence/dataplane/activity_watch.hpp"
#include "persistence/dataplane/backup.hpp"
#include "persistence/dataplane/range_probe.hpp"
#include "persistence/dataplane/restore.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "persistence/periodic/quarantine.hpp"
#include "persistence/spool/spool.hpp"

namespace tandem {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* task_phase(WorkerTask t) {
  switch (t) {
    case WorkerTask::probe:  // the range diff's steps are part of the backup phase
    case WorkerTask::judge_probe:
    case WorkerTask::digest: return "backup";
    case WorkerTask::backup: return "backup";
    case WorkerTask::convert: return "convert";
    case WorkerTask::restore: return "restore";
    case WorkerTask::verify: return "verify";
    case WorkerTask::drop_staging: return "cleanup";
  }
  return "?";
}

// A target the application wrote to while the sync ran cannot equal the snapshot, and
// verify cannot tell such rows from a wrong copy: the error names what this node's
// change log shows written since the session began, when anything.
Error explain_mismatch(pg::Connection& conn, const Session& s, Error e) {
  auto writes = local_writes_since(conn, s.created_at);
  if (!writes.ok() || writes->empty()) return e;
  std::string list;
  for (const auto& [table, n] : *writes) list += (list.empty() ? "" : ", ") + table + ": " + std::to_string(n);
  e.message += ". Written on this node since the sync began (row changes in its change log): " + list +
               ". Stop the application's writes to the target during a full sync, or let periodic sync "
               "carry them";
  return e;
}

// Runs the order's phase; the result's detail is the phase's output (manifest JSON for
// backup, a summary for restore).
Result<std::string> run_task(const NodeContext& ctx, const WorkerOrder& o, const ProgressFn& progress) {
  const Session& s = o.session;
  const std::string& conninfo = ctx.config.database_conninfo;
  if (o.task == WorkerTask::drop_staging) {
    // Runs after the spool was removed: opening it here would create it again.
    auto conn = open_data_plane_connection(conninfo, task_phase(o.task));
    if (!conn.ok()) return conn.error();
    auto st = drop_staging(*conn, s.id);
    if (!st.ok()) return st.error();
    return std::string("staging dropped");
  }
  if (o.task == WorkerTask::probe) {
    auto probe = run_range_probe(conninfo, ctx.selection(), *o.cancel);
    if (!probe.ok()) return probe.error();
    return digest_to_json(*probe).dump();
  }
  if (o.task == WorkerTask::judge_probe) {
    auto probe = digest_from_json(nlohmann::json::parse(o.input_json, nullptr, false));
    if (!probe.ok()) return probe.error();
    auto verdict = judge_range_probe(conninfo, ctx.selection(), *probe, *o.cancel);
    if (!verdict.ok()) return verdict.error();
    return verdict_to_json(*verdict).dump();
  }
  if (o.task == WorkerTask::digest) {
    std::set<std::string> leave_out;  // the target job's own list
    auto names = nlohmann::json::parse(o.input_json, nullptr, false);
    if (names.is_array())
      for (const auto& n : names)
        if (n.is_string()) leave_out.insert(n.get<std::string>());
    auto digest = run_digest(conninfo, ctx.selection(), *o.cancel, leave_out);
    if (!digest.ok()) return digest.error();
    std::string text = digest_to_json(*digest).dump();
    // Kept for verify: the sums of the ranges the source will find alike and not ship.
    auto spool = Spool::open(ctx.spool_dir(s.id));
    if (auto kept = spool.ok() ? spool->write_digest(text) : Status(spool.error()); !kept.ok())
      log::warn("worker") << s.id << ": range digest not kept for verify: " << kept.error().describe();
    return text;
  }
  auto spool = Spool::open(ctx.spool_dir(s.id));
  if (!spool.ok()) return spool.error();

  if (o.task == WorkerTask::backup) {
    BackupRequest req;
    if (!o.input_json.empty()) {
      // A digest that does not parse only costs the saving: every table ships whole.
      auto digest = digest_from_json(nlohmann::json::parse(o.input_json, nullptr, false));
      if (digest.ok()) req.target_digest = std::move(*digest);
      else log::warn("source") << s.id << ": " << digest.error().describe() << "; shipping every table whole";
    }
    req.conninfo = conninfo;
    req.selection = ctx.selection();
    req.session_id = s.id;
    req.source_node = ctx.node_id();
    req.now_ms = wall_ms();
    req.chunk_bytes = ctx.config.full_sync.chunk_bytes;
    req.compress = s.options.compression;
    auto m = run_backup(req, *spool, progress, *o.cancel);
    if (!m.ok()) return m.error();
    return manifest_to_json(*m).dump();
  }

  auto conn = open_data_plane_connection(conninfo, task_phase(o.task));
  if (!conn.ok()) return conn.error();
  auto manifest = spool->read_manifest();
  if (!manifest.ok()) return manifest.error();
  if (o.task == WorkerTask::convert) failpoint("convert_plan");  // lets tests crash inside convert
  auto plan = plan_restore(*conn, *manifest, ctx.selection(), s.options.mode);
  if (!plan.ok()) return plan.error();
  if (o.task == WorkerTask::convert) {
    return "plan for " + std::to_string(plan->tables.size()) + " tables";
  }
  if (o.task == WorkerTask::restore) {
    RestoreRequest req{conninfo, s.source, {}};
    // Periodic sync with the source resumes right after the backup's snapshot, and the
    // cursor commits with the data (or not at all).
    if (!manifest->change_log_snapshot.empty())
      req.before_commit = [&](pg::Connection& c) {
        // The change server may not have installed capture yet (its first tries can
        // fall inside this very restore): the cursor's table must exist all the same.
        if (auto st = ensure_change_schema(c, ctx.node_id()); !st.ok()) return st;
        if (auto st = set_cursor_after_full_sync(c, s.source, manifest->change_log_snapshot); !st.ok()) return st;
        // The source's quarantined changes this snapshot holds are written now as it has them.
        auto dropped = drop_quarantined_in_snapshot(c, s.source, manifest->change_log_snapshot,
                                                    s.options.mode == SyncMode::mirror);
        if (!dropped.ok()) return Status(dropped.error());
        if (*dropped > 0)
          log::info("periodic") << s.id << ": dropped " << *dropped << " quarantined change(s) from " << s.source
                                << ": the full sync's snapshot holds their rows";
        return ok_status();
      };
    auto stats = run_restore(req, *manifest, *plan, *spool, progress, *o.cancel);
    if (!stats.ok()) return stats.error();
    return "rows loaded " + std::to_string(stats->rows_loaded) + ", inserted " +
           std::to_string(stats->rows_inserted) + ", updated " + std::to_string(stats->rows_updated) +
           ", deleted " + std::to_string(stats->rows_deleted) + "; empty tables loaded directly " +
           std::to_string(stats->tables_loaded_directly) + " (" + std::to_string(stats->tables_bulk_loaded) +
           " without per-row checks, " + std::to_string(stats->indexes_rebuilt) + " indexes built after the load" +
           (stats->indexes_kept_because.empty() ? "" : "; indexes kept: " + stats->indexes_kept_because) + ")";
  }
  failpoint("verify_start");  // lets tests write to the target between restore and verify
  // Keys the application wrote on this node while the sync ran are left out where a table
  // differs (periodic sync carries those writes to the source). From a minute before the
  // session began: the database's clock may be a little behind ours, and leaving out a
  // key written just before only compares one row fewer (the restore rewrote it anyway).
  WrittenMeanwhile written;
  auto logged = conn->scalar("SELECT (to_regclass('tandem.change_log') IS NOT NULL)::text");
  if (logged.ok() && logged->value_or("") == "true") {
    const std::int64_t since = s.created_at - 60'000;
    written.key_written = [&conn, since](const pg::TableInfo& t, const std::string& alias) {
      return key_written_since_sql(*conn, t, alias, since);
    };
    written.written_keys = [&conn, since](const pg::TableInfo& t, const std::string& column, const std::string& type) {
      return keys_written_since_sql(*conn, t, column, type, since);
    };
    written.spool = &*spool;
    if (auto text = spool->read_digest(); text.ok()) {
      auto digest = digest_from_json(nlohmann::json::parse(*text, nullptr, false));
      if (digest.ok()) written.digest = std::move(*digest);
    }
  }
  VerifyReport report;
  auto st = run_verify(conninfo, *manifest, *plan, progress, *o.cancel, &written, &report);
  if (!st.ok() && st.error().code == "verify_mismatch") return explain_mismatch(*conn, s, st.error());
  if (!st.ok()) return st.error();
  std::string done = "verified " + std::to_string(manifest->tables.size()) + " tables";
  if (report.left_out.empty()) return done;
  done += "; left out of the comparison, keys written on this node during the sync (its change log): ";
  for (std::size_t i = 0; i < report.left_out.size(); ++i)
    done += (i ? ", " : "") + report.left_out[i].first + ": " + std::to_string(report.left_out[i].second);
  return done;
}

// Looks often enough that a statement working for longer than the stall timeout is seen
// working several times before it would show as stalled, and never more than once a second.
std::chrono::milliseconds watch_interval(const NodeContext& ctx) {
  const long long quarter = ctx.config.full_sync.stall_after_s * 1000LL / 4;
  return std::chrono::milliseconds(std::clamp(quarter, 1000LL, 30000LL));
}

}  // namespace

bool is_retryable(const Error& e) {
  // A phase is one transaction (restore) or read-only (backup, verify): after a lost
  // lock conflict (a live application's transaction and the restore deadlocked, and
  // PostgreSQL ended the restore) or a lost server, running it again is safe.
  return e.code == "pg_connect" || e.code == "spool_io" || e.code == pg::kConflict ||
         e.code == pg::kConnectionLost;
}

caf::actor spawn_phase_worker(caf::actor_system& sys, NodeContextPtr ctx, caf::actor job,
                              WorkerOrder order) {
  return sys.spawn<caf::detached>([ctx, job, order](caf::event_based_actor* self) {
    const std::string phase = task_phase(order.task);
    name_this_thread(("tandem." + phase).c_str());
    auto last_report = Clock::now() - std::chrono::seconds(1);
    std::mutex report_mutex;
    // Called from the phase's threads too (restore's staging loader), so it neither
    // touches `self` (anon_send) nor races on last_report.
    ProgressFn progress = [&](const DataProgress& p) {
      std::lock_guard<std::mutex> lock(report_mutex);
      auto now = Clock::now();
      if (now - last_report < std::chrono::milliseconds(200)) return;
      last_report = now;
      worker_report r{order.attempt, phase, "progress", p.bytes_done, p.bytes_total,
                      p.rows_done,   p.rows_total, p.table, false, {}};
      if (job) caf::anon_send(job, r);
    };
    // What the phase's statements do between progress reports (working, or waiting for
    // another transaction's lock), so a long statement is not taken for a stuck job.
    ActivityWatch watch(ctx->config.database_conninfo, watch_interval(*ctx), [&](const BackendActivity& a) {
      worker_report r{order.attempt, phase, to_string(a.kind), 0, 0, 0, 0, a.detail, false, {}};
      if (job) caf::anon_send(job, r);
    });
    auto result = run_task(*ctx, order, progress);
    watch.stop();
    worker_report r;
    r.attempt = order.attempt;
    r.phase = phase;
    if (result.ok()) {
      r.kind = "done";
      r.detail = *result;
    } else {
      r.kind = result.error().code == "cancelled" ? "cancelled" : "failed";
      r.detail = result.error().describe();
      r.retryable = is_retryable(result.error());
      r.code = result.error().code;
      if (r.kind == "failed")
        log::warn("worker") << order.session.id << " " << phase << " failed: " << r.detail;
    }
    if (job) self->send(job, r);
    self->quit();
  });
}

}  // namespace tandem
