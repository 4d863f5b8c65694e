// target_job — drives one full-sync session on the node that receives the data.
//
// Every change goes through apply(): transition() -> journal commit -> swap the session ->
// tell the manager (live view) and the source (mirror) -> run the effects. Asynchronous
// answers (peer replies, worker reports, timers) carry the attempt they belong to and are
// dropped when the session moved on (stale-work guard).
#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "actors/messages.hpp"
#include "actors/peer_wire_json.hpp"
#include "actors/phase_worker.hpp"
#include "actors/session_view_json.hpp"
#include "actors/spawn.hpp"
#include "base/log.hpp"
#include "base/thread_name.hpp"
#include "persistence/dataplane/range_probe.hpp"
#include "persistence/journal_sqlite.hpp"
#include "persistence/spool/spool.hpp"
#include "statemachine/progress.hpp"
#include "statemachine/session_json.hpp"
#include "statemachine/speed.hpp"
#include "statemachine/transition.hpp"

namespace tandem {
namespace {

using namespace std::chrono;
using SteadyTime = steady_clock::time_point;

TimeMs now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct Transfer {
  // The phase fetching: the transfer itself, or restore fetching again the chunks it
  // found missing or damaged (repair_chunks).
  Phase phase = Phase::transfer;
  std::optional<Manifest> manifest;
  std::uint64_t total = 0;
  std::uint64_t contiguous = 0;      // chunks 0..contiguous-1 are stored
  std::uint64_t next_request = 0;
  int in_flight = 0;
  std::set<std::uint64_t> ahead;     // stored beyond `contiguous`
  std::map<std::uint64_t, int> refetches;
  std::uint64_t bytes_done = 0;      // stored bytes of chunks below `contiguous`
  SteadyTime started{};
  std::uint64_t bytes_requested = 0; // for the bandwidth cap
  SteadyTime journaled{};            // progress and checkpoint last committed
};

// A transfer commits its progress and checkpoint at most this often: each is a journal
// fsync, and a pair per chunk cost about as much as receiving and storing the chunk.
constexpr milliseconds kTransferJournalEvery{250};
// How often one job fetches lost chunks again before a restore failure stands.
constexpr int kMaxChunkRepairs = 3;

struct target_job_state {
  NodeContextPtr ctx;
  Session s;
  std::unique_ptr<SqliteJournal> journal;
  caf::actor link;
  caf::actor manager;
  caf::actor notifier;  // this node's (actors/notifier.hpp); may be null
  caf::actor endpoint;
  std::string token;
  std::shared_ptr<CancelToken> cancel;
  caf::actor worker;
  SpeedMeter speed;
  Transfer transfer;
  int chunk_repairs = 0;  // repair_chunks() runs of this job
  // Range diff (merge mode), first in the backup phase: the probe worker, the source's
  // verdict on the probe (asked with backup requests that carry it), the digest worker
  // for the tables worth it; the digest rides on the attempt's first backup request that
  // gets an answer after that.
  bool digesting = false;             // a probe or digest worker runs
  WorkerTask range_step = WorkerTask::probe;  // which
  std::string probe_json;
  bool verdict_pending = false;       // the probe goes with each backup request until answered
  std::string digest_json;
  bool digest_sent = false;
  State mirrored_state = State::queued;
  Phase mirrored_phase = Phase::backup;
  SteadyTime last_mirror{};
  SteadyTime last_view{};
  // What the running phase waits for (the activity watch's "blocked" detail, here or from
  // the source's backup); cleared when it works again, goes idle or the phase ends.
  std::string blocked_by;
  std::string working_on;  // the table the phase's worker last reported (SessionView)
  bool finished = false;
  static inline const char* name = "target_job";
};

using Self = caf::stateful_actor<target_job_state>;

void apply(Self* self, const Event& ev);
void begin_work(Self* self, Phase p);
void on_activity(Self* self, const std::string& kind, const std::string& detail);

bool current(Self* self, std::uint32_t attempt, Phase phase) {
  const auto& s = self->state.s;
  return s.attempt == attempt && s.phase == phase && s.state == State::running;
}

// ---- telling others ------------------------------------------------------------------

void publish_view(Self* self, bool force) {
  auto& st = self->state;
  auto now = steady_clock::now();
  if (!force && now - st.last_view < milliseconds(200)) return;
  st.last_view = now;
  SessionView v;
  v.session = st.s;
  v.transfer_speed_bps = st.speed.per_second();
  auto eta = session_eta_s(st.s, st.speed);
  v.eta_s = eta ? static_cast<std::int64_t>(*eta + 0.5) : -1;
  v.stalled = is_stalled(st.s, now_ms(), st.ctx->config.full_sync.stall_after_s * 1000LL);
  if (st.s.state == State::running) {
    v.blocked_by = st.blocked_by;
    v.working_on = st.working_on;
  }
  v.live = !is_terminal(st.s.state);
  self->send(st.manager, progress_atom::value, view_to_json(v).dump());
}

// The sub-step shown with the step (SessionView::working_on): a new table is news even
// when no counter moved.
void show_working_on(Self* self, const std::string& table) {
  auto& st = self->state;
  if (table == st.working_on) return;
  st.working_on = table;
  publish_view(self, true);
}

// The source keeps a copy of the session (its history and API answer from it).
void mirror(Self* self, bool force) {
  auto& st = self->state;
  auto now = steady_clock::now();
  bool changed = st.s.state != st.mirrored_state || st.s.phase != st.mirrored_phase;
  if (!st.endpoint || (!force && !changed && now - st.last_mirror < seconds(1))) return;
  st.last_mirror = now;
  st.mirrored_state = st.s.state;
  st.mirrored_phase = st.s.phase;
  self->request(st.endpoint, seconds(st.ctx->peer_request_timeout_s), mirror_atom::value, st.token,
                session_to_json(st.s).dump())
      .then([](const peer_reply&) {}, [](const caf::error&) {});  // best effort
}

// ---- effects -------------------------------------------------------------------------

// Interrupts what runs. A worker is kept until it reports (or dies), so a cancel only
// completes once a restore transaction has really been rolled back.
void stop_work(Self* self) {
  auto& st = self->state;
  if (st.cancel) st.cancel->cancel();
  st.transfer.in_flight = 0;
  st.transfer.ahead.clear();
}

void cleanup(Self* self) {
  auto& st = self->state;
  if (auto spool = Spool::open(st.ctx->spool_dir(st.s.id)); spool.ok()) {
    if (auto r = spool->remove_all(); !r.ok())
      log::warn("job") << st.s.id << ": spool cleanup: " << r.error().describe();
  }
  // Staging tables live in the target database; dropping them is libpq work.
  WorkerOrder order{WorkerTask::drop_staging, st.s, st.s.attempt, std::make_shared<CancelToken>(), {}};
  spawn_phase_worker(self->system(), st.ctx, caf::actor{}, order);
}

void run_effect(Self* self, const Effect& fx) {
  auto& st = self->state;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, StartPhase>) {
          apply(self, PhaseStarted{e.phase});
          if (self->state.s.state == State::running && self->state.s.phase == e.phase)
            begin_work(self, e.phase);
        } else if constexpr (std::is_same_v<T, ScheduleRetry>) {
          self->delayed_send(self, milliseconds(e.delay_ms), retry_atom::value, st.s.attempt,
                             e.retry);
        } else if constexpr (std::is_same_v<T, StopWork> || std::is_same_v<T, RollbackRestore>) {
          stop_work(self);
        } else if constexpr (std::is_same_v<T, CleanupSpool>) {
          cleanup(self);
        } else if constexpr (std::is_same_v<T, Notify>) {
          log::info("job") << st.s.id << " ended " << to_string(e.outcome)
                           << (st.s.last_error.empty() ? "" : ": " + st.s.last_error);
          // The target's admins hear it from here; the source's from its source_job.
          if (st.notifier)
            self->send(st.notifier, notify_atom::value, session_to_json(st.s).dump());
        } else if constexpr (std::is_same_v<T, ReleaseLock>) {
          st.finished = true;
        }
      },
      fx);
}

// ---- the one way the session changes --------------------------------------------------

void apply(Self* self, const Event& ev) {
  auto& st = self->state;
  TimeMs now = now_ms();
  auto t = transition(st.s, ev, now, st.ctx->policy);
  if (!t.ok()) {
    log::debug("job") << st.s.id << ": " << t.error().message;
    return;
  }
  TransitionRecord rec;
  rec.at = now;
  rec.from_state = st.s.state;
  rec.to_state = t->next.state;
  rec.phase = t->next.phase;
  rec.event = describe(ev);
  if (auto c = st.journal->commit(t->next, rec); !c.ok()) {
    // Without the journal nothing may happen: stop; the manager restarts the job, which
    // resumes from what the journal holds.
    log::error("job") << st.s.id << ": journal commit failed: " << c.error().describe();
    self->quit(caf::exit_reason::unhandled_exception);
    return;
  }
  bool phase_changed = t->next.phase != st.s.phase || t->next.state != st.s.state;
  st.s = t->next;
  if (phase_changed) st.speed = SpeedMeter();
  const auto& p = st.s.progress(st.s.phase);
  st.speed.add(now, p.bytes_done);
  if (phase_changed) {
    st.blocked_by.clear();
    st.working_on.clear();
  }
  if (!std::holds_alternative<Progress>(ev) && !std::holds_alternative<CheckpointReached>(ev) &&
      !std::holds_alternative<StillWorking>(ev)) {
    std::string line = rec.event + " -> " + to_string(st.s.state) + "/" + to_string(st.s.phase);
    log::info("job") << st.s.id << " " << line;
    // The session's own detailed log (the panel's and `tandemctl show`'s); best effort.
    bool trouble = std::holds_alternative<Failed>(ev) || std::holds_alternative<PeerLost>(ev);
    (void)st.journal->append_log(
        LogLine{st.s.id, now, trouble ? log::Level::warn : log::Level::info, line});
  }
  // An ended session is shown ended only after its clean-up ran, right before its lock
  // is freed (done below), so a new sync asked for on seeing it is not refused as busy.
  const bool ended = is_terminal(st.s.state);
  if (!ended) publish_view(self, phase_changed);
  mirror(self, ended);
  for (const auto& fx : t->effects) run_effect(self, fx);
  if (ended) publish_view(self, true);
  // A cancel with nothing running to wait for completes at once.
  if (st.s.state == State::cancelling && !st.worker) apply(self, Cancelled{});
  if (st.finished && is_terminal(st.s.state)) {
    self->send(st.manager, done_atom::value, st.s.id);
    self->quit();
  }
}

// ---- reaching the source -------------------------------------------------------------

// Uses `endpoint` for the source from now on, watching it: requests to a node whose
// connection dropped (killed, cut, frozen past the heartbeat timeout) are not failed by
// CAF until their own deadline (30 s for a chunk), so the job must notice the drop itself.
void adopt_endpoint(Self* self, const caf::actor& endpoint, const std::string& token) {
  auto& st = self->state;
  if (st.endpoint != endpoint) self->monitor(endpoint);
  st.endpoint = endpoint;
  st.token = token;
}

// Gets the source's endpoint from the link, then calls `then`; a failure is a lost peer.
template <class F>
void with_endpoint(Self* self, F then) {
  auto& st = self->state;
  auto attempt = st.s.attempt;
  auto phase = st.s.phase;
  self->request(st.link, seconds(st.ctx->peer_request_timeout_s + 5), get_atom::value)
      .then(
          [=](const std::string& token, const caf::actor& endpoint, const std::string& error) {
            if (!current(self, attempt, phase)) return;
            if (!endpoint) return apply(self, PeerLost{error});
            adopt_endpoint(self, endpoint, token);
            then();
          },
          [=](const caf::error& e) {
            if (current(self, attempt, phase)) apply(self, PeerLost{self->system().render(e)});
          });
}

void peer_failed(Self* self, std::uint32_t attempt, Phase phase, const caf::error& e) {
  if (!current(self, attempt, phase)) return;
  self->state.endpoint = nullptr;
  apply(self, PeerLost{"source unreachable: " + self->system().render(e)});
}

// ---- backup: the source runs it; the target polls --------------------------------------

void start_worker(Self* self, WorkerTask task, const std::string& input_json = "");

void start_digest(Self* self, const std::set<std::string>& leave_out) {
  auto& st = self->state;
  st.digesting = true;
  st.range_step = WorkerTask::digest;
  start_worker(self, WorkerTask::digest, nlohmann::json(leave_out).dump());
}

// The source's verdict on the probe: digest the tables it found worth it (and those not
// probed); a verdict that cannot be read costs only the saving: digest them all.
void on_probe_verdict(Self* self, const std::string& verdict_json) {
  auto& st = self->state;
  auto verdict = verdict_from_json(nlohmann::json::parse(verdict_json, nullptr, false));
  auto probe = digest_from_json(nlohmann::json::parse(st.probe_json, nullptr, false));
  if (!verdict.ok() || !probe.ok()) {
    log::warn("job") << st.s.id << ": " << (verdict.ok() ? probe.error() : verdict.error()).describe()
                     << "; digesting every table";
    return start_digest(self, {});
  }
  auto leave_out = tables_not_worth_digest(*probe, *verdict);
  // In the session's own log too: an admin sees why a table moved whole.
  const std::string line = "range probe: " + verdict->summary;
  log::info("job") << st.s.id << ": " << line;
  (void)st.journal->append_log(LogLine{st.s.id, now_ms(), log::Level::info, line});
  start_digest(self, leave_out);
}

void poll_backup(Self* self) {
  auto& st = self->state;
  if (st.digesting) return;  // the digest's end asks
  auto attempt = st.s.attempt;
  const bool with_digest = !st.digest_json.empty() && !st.digest_sent;
  self->request(st.endpoint, seconds(st.ctx->peer_request_timeout_s), backup_atom::value, st.token,
                backup_request_body(session_to_json(st.s).dump(), with_digest ? st.digest_json : "",
                                    st.verdict_pending ? st.probe_json : ""))
      .then(
          [=](const backup_status& b) {
            if (!current(self, attempt, Phase::backup)) return;
            auto& st = self->state;
            if (with_digest) st.digest_sent = true;
            if (b.state == "probed" && st.verdict_pending) {
              st.verdict_pending = false;
              return on_probe_verdict(self, b.probe_verdict);
            }
            if (b.state == "running") {
              apply(self, Progress{Phase::backup, b.bytes_done, b.bytes_total, b.rows_done,
                                   b.rows_total});
              show_working_on(self, b.table);
              on_activity(self, b.activity, b.activity_detail);
              self->delayed_send(self, milliseconds(st.ctx->backup_poll_interval_ms),
                                 tick_atom::value, attempt);
            } else if (b.state == "done") {
              auto m = manifest_from_json(nlohmann::json::parse(b.manifest_json, nullptr, false));
              auto spool = Spool::open(st.ctx->spool_dir(st.s.id));
              Status saved = !m.ok() ? Status(m.error()) : !spool.ok() ? Status(spool.error())
                                                                       : spool->write_manifest(*m);
              if (!saved.ok())
                return apply(self, Failed{"manifest from the source: " + saved.error().describe(),
                                          false});
              apply(self, Progress{Phase::backup, b.bytes_done, b.bytes_total, b.rows_done,
                                   b.rows_total});
              apply(self, PhaseDone{Phase::backup});
            } else if (b.state == "failed") {
              apply(self, Failed{"backup on the source failed: " + b.error, false});
            } else {
              apply(self, Failed{"the source answered \"" + b.state + "\": " + b.error, false});
            }
          },
          [=](const caf::error& e) { peer_failed(self, attempt, Phase::backup, e); });
}

// ---- transfer: a window of chunk requests ------------------------------------------------

void pump(Self* self);

// Every chunk is stored: the transfer is done, or restore runs again after a repair.
void all_fetched(Self* self) {
  auto& st = self->state;
  auto& tr = st.transfer;
  if (!current(self, st.s.attempt, tr.phase)) return;
  if (tr.phase == Phase::restore) {
    tr.phase = Phase::transfer;  // the repair is over
    log::info("job") << st.s.id << ": restore: the lost chunks are back; restoring again";
    return start_worker(self, WorkerTask::restore);
  }
  apply(self, Progress{Phase::transfer, tr.bytes_done, tr.manifest->total_stored_bytes(), 0, 0});
  apply(self, CheckpointReached{Phase::transfer, tr.contiguous, {}});
  if (current(self, st.s.attempt, Phase::transfer)) apply(self, PhaseDone{Phase::transfer});
}

void chunk_stored(Self* self, std::uint64_t index) {
  auto& st = self->state;
  auto& tr = st.transfer;
  tr.ahead.insert(index);
  std::uint64_t before = tr.contiguous;
  while (tr.ahead.count(tr.contiguous)) {
    tr.ahead.erase(tr.contiguous);
    tr.bytes_done += tr.manifest->chunks[tr.contiguous].stored_bytes;
    ++tr.contiguous;
  }
  if (tr.contiguous == tr.total) return all_fetched(self);
  // The checkpoint only says where a resumed transfer starts looking: chunks are not
  // fsync'd (spool.hpp), and restore fetches again any that a power loss took.
  auto now = steady_clock::now();
  if (tr.phase == Phase::transfer && tr.contiguous != before &&
      now - tr.journaled >= kTransferJournalEvery) {
    tr.journaled = now;
    apply(self, Progress{Phase::transfer, tr.bytes_done, tr.manifest->total_stored_bytes(), 0, 0});
    apply(self, CheckpointReached{Phase::transfer, tr.contiguous, {}});
  }
  if (!current(self, st.s.attempt, tr.phase)) return;
  pump(self);
}

void request_chunk(Self* self, std::uint64_t index) {
  auto& st = self->state;
  auto attempt = st.s.attempt;
  auto phase = st.transfer.phase;
  ++st.transfer.in_flight;
  st.transfer.bytes_requested += st.transfer.manifest->chunks[index].stored_bytes;
  self->request(st.endpoint, seconds(st.ctx->chunk_request_timeout_s), chunk_atom::value, st.token,
                st.s.id, index)
      .then(
          [=](chunk_reply& r) {
            if (!current(self, attempt, phase)) return;
            auto& st = self->state;
            --st.transfer.in_flight;
            if (r.status != "ok")
              return apply(self, Failed{"the source could not send chunk " + std::to_string(index) +
                                            ": " + r.status + " " + r.error,
                                        false});
            const ChunkInfo& info = st.transfer.manifest->chunks[index];
            auto spool = Spool::open(st.ctx->spool_dir(st.s.id));
            Status stored = spool.ok() ? spool->store_chunk(info, r.bytes)
                                       : Status(spool.error());
            if (!stored.ok()) {
              if (stored.error().code == "chunk_corrupt" &&
                  ++st.transfer.refetches[index] <= st.ctx->max_chunk_refetches) {
                log::warn("job") << st.s.id << ": " << stored.error().describe() << "; fetching again";
                return request_chunk(self, index);
              }
              return apply(self, Failed{stored.error().describe(), is_retryable(stored.error())});
            }
            chunk_stored(self, index);
          },
          [=](const caf::error& e) { peer_failed(self, attempt, phase, e); });
}

// Sends requests until the window is full, honouring the bandwidth cap by pacing.
void pump(Self* self) {
  auto& st = self->state;
  auto& tr = st.transfer;
  double limit = st.s.options.bandwidth_limit_mbps * 1e6;  // bytes per second
  auto spool = Spool::open(st.ctx->spool_dir(st.s.id));
  while (tr.in_flight < st.ctx->transfer_window && tr.next_request < tr.total) {
    std::uint64_t i = tr.next_request;
    const ChunkInfo& info = tr.manifest->chunks[i];
    if (spool.ok() && spool->has_valid_chunk(info)) {  // stored before a restart
      ++tr.next_request;
      tr.ahead.insert(i);
      continue;
    }
    if (limit > 0) {
      auto due = tr.started + duration_cast<steady_clock::duration>(
                                  duration<double>(static_cast<double>(tr.bytes_requested) / limit));
      auto now = steady_clock::now();
      if (due > now) {
        if (tr.in_flight == 0)
          self->delayed_send(self, duration_cast<milliseconds>(due - now) + milliseconds(1),
                             tick_atom::value, st.s.attempt);
        break;
      }
    }
    ++tr.next_request;
    request_chunk(self, i);
  }
  // Chunks found on disk may have completed a run: account for them.
  if (!tr.ahead.empty() && tr.ahead.count(tr.contiguous)) {
    auto first = *tr.ahead.begin();
    tr.ahead.erase(first);
    chunk_stored(self, first);
  } else if (tr.contiguous == tr.total) {
    all_fetched(self);
  }
}

void begin_transfer(Self* self) {
  auto& st = self->state;
  auto spool = Spool::open(st.ctx->spool_dir(st.s.id));
  auto m = spool.ok() ? spool->read_manifest() : Result<Manifest>(spool.error());
  if (!m.ok()) return apply(self, Failed{"transfer: " + m.error().describe(), false});
  Transfer tr;
  tr.manifest = *m;
  tr.total = m->chunks.size();
  tr.contiguous = std::min<std::uint64_t>(st.s.progress(Phase::transfer).checkpoint, tr.total);
  tr.next_request = tr.contiguous;
  for (std::uint64_t i = 0; i < tr.contiguous; ++i) tr.bytes_done += m->chunks[i].stored_bytes;
  tr.started = tr.journaled = steady_clock::now();
  st.transfer = std::move(tr);
  with_endpoint(self, [self] { pump(self); });
}

// Restore found a chunk missing or damaged. Chunks are stored here without fsync
// (spool.hpp), so a power loss or kernel crash can take some; the source keeps its
// durable copies until the session ends. Fetch again every chunk that fails its check,
// then restore again: its transaction rolled back, so nothing was half-applied.
void repair_chunks(Self* self, const std::string& why) {
  auto& st = self->state;
  auto spool = Spool::open(st.ctx->spool_dir(st.s.id));
  auto m = spool.ok() ? spool->read_manifest() : Result<Manifest>(spool.error());
  if (!m.ok()) return apply(self, Failed{"restore: " + why + "; " + m.error().describe(), false});
  // `why` names the table and the chunk ("restore of public.orders: chunk 3 is missing (…)").
  const std::string line = why + "; fetching again from the source every chunk that fails its check";
  log::warn("job") << st.s.id << ": " << line;
  (void)st.journal->append_log(LogLine{st.s.id, now_ms(), log::Level::warn, line});
  Transfer tr;
  tr.phase = Phase::restore;
  tr.manifest = *m;
  tr.total = m->chunks.size();
  tr.started = steady_clock::now();
  st.transfer = std::move(tr);
  with_endpoint(self, [self] { pump(self); });
}

// ---- convert, restore, verify: local workers ---------------------------------------------

void start_worker(Self* self, WorkerTask task, const std::string& input_json) {
  auto& st = self->state;
  st.cancel = std::make_shared<CancelToken>();
  WorkerOrder order{task, st.s, st.s.attempt, st.cancel, input_json};
  st.worker = spawn_phase_worker(self->system(), st.ctx, self, order);
  self->monitor(st.worker);
}

// The backup phase: in merge mode the target's range probe and digest first (workers),
// so the source backs up only the key ranges that differ; then the polls.
void begin_backup(Self* self) {
  auto& st = self->state;
  st.digest_json.clear();
  st.digest_sent = false;
  st.probe_json.clear();
  st.verdict_pending = false;
  if (st.s.options.mode == SyncMode::merge && st.ctx->config.full_sync.range_diff) {
    st.digesting = true;
    st.range_step = WorkerTask::probe;
    return start_worker(self, WorkerTask::probe);
  }
  with_endpoint(self, [self] { poll_backup(self); });
}

// A request that carries the probe or the digest must stay under a peer's 1 MiB body limit
// (HTTP), with room for the session: many wide tables could make either larger than the
// range budget alone would.
constexpr std::size_t kMaxRangeJson = 768 << 10;

// The probe worker's report: ask the source's verdict, or digest every table when
// nothing was probed (no table big enough), the probe failed or is too big to send.
void on_probe_report(Self* self, const worker_report& r) {
  auto& st = self->state;
  if (r.kind != "done" || r.detail.size() > kMaxRangeJson) {
    log::warn("job") << st.s.id << ": range probe "
                     << (r.kind != "done" ? "failed (" + r.detail + ")" : "over the request limit")
                     << "; digesting every table";
    return start_digest(self, {});
  }
  auto probe = nlohmann::json::parse(r.detail, nullptr, false);
  if (!probe.is_array() || probe.empty()) return start_digest(self, {});
  st.probe_json = r.detail;
  st.verdict_pending = true;
  with_endpoint(self, [self] { poll_backup(self); });
}

// The digest worker's report: go on to the backup with the digest, or without it when
// the digest failed (it only saves work; the backup does not need it).
void on_digest_report(Self* self, const worker_report& r) {
  auto& st = self->state;
  if (r.kind == "progress") return;
  st.digesting = false;
  st.worker = nullptr;
  st.cancel.reset();
  if (st.s.state == State::cancelling) return apply(self, Cancelled{});
  if (st.s.state != State::running) return;
  if (st.range_step == WorkerTask::probe) return on_probe_report(self, r);
  if (r.kind != "done")
    log::warn("job") << st.s.id << ": range digest failed (" << r.detail
                     << "); the source ships every table whole";
  else if (r.detail.size() > kMaxRangeJson)
    log::warn("job") << st.s.id << ": range digest of " << r.detail.size()
                     << " bytes is over the request limit; the source ships every table whole";
  else if (r.detail != "[]")  // every table left out: nothing to send
    st.digest_json = r.detail;
  with_endpoint(self, [self] { poll_backup(self); });
}

void begin_work(Self* self, Phase p) {
  self->state.transfer.phase = Phase::transfer;  // a phase begun anew ends any repair
  switch (p) {
    case Phase::backup: return begin_backup(self);
    case Phase::transfer: return begin_transfer(self);
    case Phase::convert: return start_worker(self, WorkerTask::convert);
    case Phase::restore: return start_worker(self, WorkerTask::restore);
    case Phase::verify: return start_worker(self, WorkerTask::verify);
  }
}

// The activity watch's view of the running phase (here, or the source's backup as its
// backup status tells): working restarts the stall clock, at most once a second (each
// is a journal commit); blocked is shown with the session until it clears.
void on_activity(Self* self, const std::string& kind, const std::string& detail) {
  auto& st = self->state;
  if (st.s.state != State::running) return;
  const std::string blocked = kind == "blocked" ? detail : "";
  const bool shown_changed = blocked != st.blocked_by;
  st.blocked_by = blocked;
  if (kind == "working" && now_ms() - st.s.last_progress_at >= 1000) return apply(self, StillWorking{st.s.phase});
  if (shown_changed) publish_view(self, true);
}

void on_report(Self* self, const worker_report& r);


void on_report_impl(Self* self, const worker_report& r) {
  auto& st = self->state;
  if (r.attempt != st.s.attempt || r.phase != to_string(st.s.phase)) return;  // stale
  if (is_activity(r)) return on_activity(self, r.kind, r.detail);
  if (st.digesting) return on_digest_report(self, r);
  auto phase = st.s.phase;
  if (r.kind == "progress") {
    if (st.s.state != State::running) return;
    apply(self, Progress{phase, r.bytes_done, r.bytes_total, r.rows_done, r.rows_total});
    show_working_on(self, r.detail);
    return;
  }
  st.worker = nullptr;
  st.cancel.reset();
  if (st.s.state == State::cancelling) return apply(self, Cancelled{});
  if (st.s.state != State::running) return;
  if (r.kind == "done") {
    if (!r.detail.empty()) {
      log::info("job") << st.s.id << " " << r.phase << ": " << r.detail;
      // The session's own log too (panel, `tandemctl show`): what restore changed, and
      // what verify left out of its comparison.
      (void)st.journal->append_log(LogLine{st.s.id, now_ms(), log::Level::info, r.phase + ": " + r.detail});
    }
    apply(self, PhaseDone{phase});
  } else if (r.kind == "failed") {
    bool chunk_lost = r.code == "chunk_missing" || r.code == "chunk_corrupt";
    if (phase == Phase::restore && chunk_lost && ++st.chunk_repairs <= kMaxChunkRepairs)
      return repair_chunks(self, r.detail);
    apply(self, Failed{r.phase + ": " + r.detail, r.retryable});
  }
}

void on_report(Self* self, const worker_report& r) { on_report_impl(self, r); }

caf::behavior target_job(Self* self, NodeContextPtr ctx, Session session, bool resumed,
                         caf::actor link, caf::actor manager, caf::actor notifier) {
  name_this_thread("tandem.target");
  auto& st = self->state;
  st.ctx = ctx;
  st.s = std::move(session);
  st.link = std::move(link);
  st.manager = std::move(manager);
  st.notifier = std::move(notifier);
  auto journal = SqliteJournal::open(ctx->journal_path);
  if (!journal.ok()) {
    log::error("job") << st.s.id << ": " << journal.error().describe();
    self->quit(caf::exit_reason::unhandled_exception);
    return {};
  }
  st.journal = std::move(*journal);
  // A worker that dies without a final report counts as a failed one.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.endpoint && dm.source == st.endpoint.address()) {  // the link to the source dropped
      st.endpoint = nullptr;
      // Only backup and transfer need the source; convert, restore and verify go on.
      bool needs_source = st.s.phase == Phase::backup || st.s.phase == Phase::transfer;
      if (st.s.state == State::running && needs_source)
        apply(self, PeerLost{"connection to the source lost: " + self->system().render(dm.reason)});
      return;
    }
    if (!st.worker || dm.source != st.worker.address()) return;
    worker_report r;
    r.attempt = st.s.attempt;
    r.phase = to_string(st.s.phase);
    r.kind = "failed";
    r.detail = "worker stopped: " + self->system().render(dm.reason);
    on_report(self, r);
  });
  // Shutdown of the node: interrupt the worker (a restore rolls back) and stop; the
  // journal holds the session, so the next start resumes it.
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (self->state.cancel) self->state.cancel->cancel();
    self->quit(em.reason);
  });
  self->send(self, start_atom::value, resumed);
  return {
      [=](start_atom, bool was_resumed) {
        auto& s = self->state.s;
        if (was_resumed) apply(self, ResumedAfterRestart{});
        else if (s.state == State::queued) run_effect(self, StartPhase{Phase::backup, s.attempt});
      },
      [=](tick_atom, std::uint32_t attempt) {
        auto& s = self->state.s;
        if (s.attempt != attempt || s.state != State::running) return;
        if (s.phase == Phase::backup) poll_backup(self);
        else if (s.phase == self->state.transfer.phase) pump(self);  // incl. a repair's pacing
      },
      [=](retry_atom, std::uint32_t attempt, std::uint32_t) {
        auto& s = self->state.s;
        if (s.attempt != attempt || s.state != State::waiting_peer) return;
        self->request(self->state.link, seconds(self->state.ctx->peer_request_timeout_s + 5),
                      get_atom::value)
            .then(
                [=](const std::string& token, const caf::actor& endpoint, const std::string& error) {
                  auto& st = self->state;
                  if (st.s.attempt != attempt || st.s.state != State::waiting_peer) return;
                  if (!endpoint) return apply(self, PeerLost{error});
                  adopt_endpoint(self, endpoint, token);
                  apply(self, PeerBack{});
                },
                [=](const caf::error& e) { apply(self, PeerLost{self->system().render(e)}); });
      },
      [=](const worker_report& r) { on_report(self, r); },
      [=](cancel_atom, const std::string& reason) { apply(self, CancelRequested{reason}); },
  };
}

}  // namespace

caf::actor spawn_target_job(caf::actor_system& sys, NodeContextPtr ctx, Session session,
                            bool resumed, caf::actor link, caf::actor manager,
                            caf::actor notifier) {
  return sys.spawn<caf::detached>(target_job, std::move(ctx), std::move(session), resumed,
                                  std::move(link), std::move(manager), std::move(notifier));
}

}  // namespace tandem
