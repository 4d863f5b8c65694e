// source_job — the side of a session whose data is copied. It runs the backup when the
// target asks (and reports how it goes), serves chunks from its spool, and keeps a mirror
// of the session the target drives, so this node's history and API answer for it too.
// When the target goes quiet it asks the target how the session stands, so a session
// that ended while this node was away does not hold the lock here forever.
// A push starts here, though, and the target must take it first: until it has, this job
// owns the session and hands it over with back-off (see "handing a push over").
#include <caf/all.hpp>

#include <chrono>

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

TimeMs now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct source_job_state {
  NodeContextPtr ctx;
  Session s;  // the mirror
  std::unique_ptr<SqliteJournal> journal;
  caf::actor link;
  caf::actor manager;
  caf::actor notifier;  // this node's (actors/notifier.hpp); may be null
  // backup
  caf::actor worker;
  std::shared_ptr<CancelToken> cancel;
  worker_report last;      // the worker's latest report of progress or outcome
  worker_report activity;  // the activity watch's latest (what the backup's statements do)
  std::optional<Manifest> manifest;
  // Range probe (dataplane/range_probe.hpp): judged by a worker before the backup starts;
  // its verdict answers the target's probe until the backup starts.
  bool probing = false;
  std::string probe_verdict;
  steady_clock::time_point last_contact = steady_clock::now();
  bool target_seen = false;  // the target has spoken about this session since we started
  // Speed and time remaining from the session's own progress as the target reports it,
  // so this node's API and panel show them too (a push is followed from here).
  SpeedMeter speed;
  static inline const char* name = "source_job";
};

using Self = caf::stateful_actor<source_job_state>;

void publish_view(Self* self) {
  SessionView v;
  v.session = self->state.s;
  v.stalled = is_stalled(v.session, now_ms(), self->state.ctx->config.full_sync.stall_after_s * 1000LL);
  if (self->state.activity.kind == "blocked") v.blocked_by = self->state.activity.detail;
  v.transfer_speed_bps = self->state.speed.per_second();
  auto eta = session_eta_s(v.session, self->state.speed);
  v.eta_s = eta ? static_cast<std::int64_t>(*eta + 0.5) : -1;
  v.live = !is_terminal(v.session.state);
  self->send(self->state.manager, progress_atom::value, view_to_json(v).dump());
}

// Stores `next` as this node's copy of the session (journal first).
Status record(Self* self, const Session& next, const std::string& event) {
  auto& st = self->state;
  TransitionRecord rec;
  rec.at = now_ms();
  rec.from_state = st.s.state;
  rec.to_state = next.state;
  rec.phase = next.phase;
  rec.event = event;
  auto c = st.journal->commit(next, rec);
  if (!c.ok()) return c.error();
  if (next.state != st.s.state || next.phase != st.s.phase)
    (void)st.journal->append_log(LogLine{next.id, rec.at, log::Level::info,
                                         event + " -> " + to_string(next.state) + "/" +
                                             to_string(next.phase)});
  if (next.phase != st.s.phase) st.speed = SpeedMeter();
  st.s = next;
  st.speed.add(rec.at, st.s.progress(st.s.phase).bytes_done);
  publish_view(self);
  return ok_status();
}

// The session ended (or this node was told so): stop, clean up, free the lock.
void finish(Self* self) {
  auto& st = self->state;
  // The lock first: the API already shows the session ended (record() published it), so
  // a new sync asked for right away must not find this node busy while the spool goes.
  self->send(st.manager, done_atom::value, st.s.id);
  if (st.cancel) st.cancel->cancel();
  if (auto spool = Spool::open(st.ctx->spool_dir(st.s.id)); spool.ok()) spool->remove_all();
  log::info("source") << st.s.id << " ended " << to_string(st.s.state) << " (source side)";
  // Each node tells its own admins: the source's hear it from here, the target's from
  // the target_job's Notify effect.
  if (st.notifier) self->send(st.notifier, notify_atom::value, session_to_json(st.s).dump());
  self->quit();
}

// Cancelled on this node without the target's word (it could not be reached).
void cancel_locally(Self* self, const std::string& reason) {
  Session ended = self->state.s;
  if (is_terminal(ended.state)) return;
  ended.state = State::cancelled;
  ended.cancel_reason = reason;
  ended.finished_at = ended.updated_at = now_ms();
  if (record(self, ended, "cancel_requested(source side, target unreachable)").ok()) finish(self);
}

// Takes the target's session (sent by it, or fetched when it went quiet) as our copy.
peer_reply adopt_mirror(Self* self, const std::string& session_json) {
  auto& st = self->state;
  st.last_contact = steady_clock::now();
  st.target_seen = true;
  auto next = session_from_json(nlohmann::json::parse(session_json, nullptr, false));
  if (!next.ok() || next->id != st.s.id) return peer_reply{"error", "bad session", st.s.id};
  if (auto r = record(self, *next, "mirror(" + std::string(to_string(next->state)) + ")"); !r.ok())
    return peer_reply{"error", r.error().describe(), st.s.id};
  if (next->state == State::cancelling && st.cancel) st.cancel->cancel();
  if (is_terminal(next->state)) finish(self);
  return peer_reply{"ok", {}, st.s.id};
}

// ---- handing a push over -------------------------------------------------------------

// A push this node started that the target has not taken yet (the manager recorded it
// waiting for the peer, and no backup ever began).
bool handing_over(const source_job_state& st) {
  const Session& s = st.s;
  return s.direction == Direction::push && s.initiator == st.ctx->node_id() &&
         s.state == State::waiting_peer && s.progress(Phase::backup).started_at == 0 &&
         !st.target_seen;
}

void hand_over(Self* self);

void schedule_hand_over(Self* self) {
  auto& st = self->state;
  self->delayed_send(self, milliseconds(retry_delay_ms(st.ctx->policy, st.s.peer_retries)),
                     retry_atom::value, st.s.attempt, st.s.peer_retries);
}

// While this side owns the session it changes only by the state machine's rules: a
// refusal or silence is a lost peer (retry with back-off, or fail once they run out).
void apply_own(Self* self, const Event& ev) {
  auto& st = self->state;
  auto t = transition(st.s, ev, now_ms(), st.ctx->policy);
  if (!t.ok()) {
    log::warn("source") << st.s.id << ": " << t.error().describe();
    return;
  }
  if (!record(self, t->next, describe(ev)).ok()) return;
  if (is_terminal(st.s.state)) return finish(self);
  if (handing_over(st)) schedule_hand_over(self);
}

void hand_over(Self* self) {
  auto& st = self->state;
  const std::string peer = st.s.target;
  // The target starts from the session as it was asked for, not from our waiting copy.
  Session asked = st.s;
  asked.state = State::queued;
  asked.peer_retries = 0;
  asked.last_error.clear();
  const std::string body = session_to_json(asked).dump();
  const auto timeout = seconds(st.ctx->peer_request_timeout_s);
  auto lost = [=](const std::string& why) {
    if (handing_over(self->state)) apply_own(self, PeerLost{why});
  };
  self->request(st.link, timeout + seconds(5), get_atom::value)
      .then(
          [=](const std::string& token, const caf::actor& endpoint, const std::string& error) {
            if (!handing_over(self->state)) return;
            if (!endpoint) return lost("peer " + peer + " is unreachable: " + error);
            self->request(endpoint, timeout, push_atom::value, token, body)
                .then(
                    [=](const peer_reply& r) {
                      auto& st = self->state;
                      if (!handing_over(st)) return;
                      if (r.status == "busy") return lost("peer " + peer + " is busy with " + r.session_id);
                      if (r.status == "gone") {  // it ended there: the tick adopts its outcome
                        st.target_seen = true;
                        return;
                      }
                      if (r.status != "ok")
                        return apply_own(self, Failed{"peer " + peer + " refused the push: " + r.detail, false});
                      st.target_seen = true;
                      st.last_contact = steady_clock::now();
                      log::info("source") << st.s.id << ": peer " << peer << " took the push";
                      record(self, asked, "mirror(created by the target)");
                    },
                    [=](const caf::error& e) { lost("peer " + peer + " did not answer: " + self->system().render(e)); });
          },
          [=](const caf::error& e) { lost("peer link: " + self->system().render(e)); });
}

backup_status status_of(Self* self) {
  auto& st = self->state;
  backup_status b;
  if (st.manifest) {
    b.state = "done";
    b.bytes_done = b.bytes_total = st.manifest->total_raw_bytes();
    b.rows_done = b.rows_total = st.manifest->total_rows();
    b.manifest_json = manifest_to_json(*st.manifest).dump();
  } else if (st.last.kind == "failed") {
    b.state = "failed";
    b.error = st.last.detail;
  } else {
    b.state = "running";
    b.bytes_done = st.last.bytes_done;
    b.bytes_total = st.last.bytes_total;
    b.rows_done = st.last.rows_done;
    b.rows_total = st.last.rows_total;
    b.activity = st.activity.kind;
    b.activity_detail = st.activity.detail;
    if (st.last.kind == "progress") b.table = st.last.detail;  // its worker's report names it
  }
  return b;
}

std::string probe_summary(const std::string& verdict_json) {
  auto v = verdict_from_json(nlohmann::json::parse(verdict_json, nullptr, false));
  return v.ok() ? v->summary : v.error().message;
}

void spawn_worker(Self* self, WorkerTask task, const std::string& input_json) {
  auto& st = self->state;
  st.cancel = std::make_shared<CancelToken>();
  WorkerOrder order{task, st.s, st.s.attempt, st.cancel, input_json};
  st.worker = spawn_phase_worker(self->system(), st.ctx, self, order);
  self->monitor(st.worker);
}

void start_backup(Self* self, const std::string& digest_json) {
  auto& st = self->state;
  st.last = worker_report{};
  st.activity = worker_report{};
  st.probe_verdict.clear();
  spawn_worker(self, WorkerTask::backup, digest_json);
  log::info("source") << st.s.id << ": backup started"
                      << (digest_json.empty() ? "" : " (range diff: the target sent its digest)");
}

caf::behavior source_job(Self* self, NodeContextPtr ctx, Session session, caf::actor link,
                         caf::actor manager, caf::actor notifier) {
  name_this_thread("tandem.source");
  auto& st = self->state;
  st.ctx = ctx;
  st.link = std::move(link);
  st.manager = std::move(manager);
  st.notifier = std::move(notifier);
  auto journal = SqliteJournal::open(ctx->journal_path);
  if (!journal.ok()) {
    log::error("source") << session.id << ": " << journal.error().describe();
    self->quit(caf::exit_reason::unhandled_exception);
    return {};
  }
  st.journal = std::move(*journal);
  // Our copy: what the journal has, or the target's view when this is news to us.
  auto known = st.journal->get(session.id);
  if (known.ok() && known->has_value()) {
    st.s = **known;
  } else {
    st.s.id = session.id;  // record() needs a from_state; the first commit creates the row
    if (auto r = record(self, session, "mirror(created)"); !r.ok()) {
      log::error("source") << session.id << ": " << r.error().describe();
      self->quit(caf::exit_reason::unhandled_exception);
      return {};
    }
  }
  // A backup that completed before a restart can still be served.
  if (auto spool = Spool::open(ctx->spool_dir(st.s.id)); spool.ok() && spool->has_manifest()) {
    if (auto m = spool->read_manifest(); m.ok()) st.manifest = *m;
  }
  publish_view(self);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (st.probing && st.worker && dm.source == st.worker.address()) {  // died without a verdict
      st.probing = false;
      st.worker = nullptr;
      st.probe_verdict = nlohmann::json{{"error", "probe worker stopped: " + self->system().render(dm.reason)}}.dump();
      return;
    }
    if (st.worker && dm.source == st.worker.address() && st.last.kind != "done" &&
        st.last.kind != "failed") {
      st.last.kind = "failed";
      st.last.detail = "backup worker stopped: " + self->system().render(dm.reason);
    }
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (self->state.cancel) self->state.cancel->cancel();
    self->quit(em.reason);
  });
  self->delayed_send(self, seconds(5), tick_atom::value);
  if (handing_over(st)) schedule_hand_over(self);
  return {
      // The target asks how the backup goes (and starts it the first time).
      [=](backup_atom, const std::string& body) -> backup_status {
        auto& st = self->state;
        st.last_contact = steady_clock::now();
        st.target_seen = true;
        if (is_terminal(st.s.state)) return backup_state("gone", "session ended");
        auto request = split_backup_request(body);
        auto target_view = session_from_json(nlohmann::json::parse(request.session_json, nullptr, false));
        if (target_view.ok() && target_view->attempt > st.s.attempt) record(self, *target_view, "mirror(backup)");
        bool idle = !st.worker || st.last.kind == "failed" || st.last.kind == "cancelled";
        if (!st.manifest && !request.probe_json.empty() && (idle || st.probing)) {
          // The target asks whether its digest can pay before it computes it.
          if (!st.probe_verdict.empty()) {
            backup_status b = backup_state("probed");
            b.probe_verdict = st.probe_verdict;
            return b;
          }
          if (!st.probing) {
            st.probing = true;
            spawn_worker(self, WorkerTask::judge_probe, request.probe_json);
          }
          return backup_state("running");
        }
        if (st.probing) return backup_state("running");
        if (!st.manifest && idle) start_backup(self, request.digest_json);
        return status_of(self);
      },
      [=](const worker_report& r) {
        auto& st = self->state;
        if (is_activity(r)) {
          if (st.probing) return;  // the probe is short and the target waits on it
          bool shown = st.activity.kind == "blocked" || r.kind == "blocked";
          st.activity = r;
          if (shown) publish_view(self);
          return;
        }
        if (st.probing) {
          if (r.kind == "progress") return;
          st.probing = false;
          st.worker = nullptr;
          // A probe that could not be judged: the target digests every table, as without it.
          st.probe_verdict = r.kind == "done" ? r.detail : nlohmann::json{{"error", r.detail}}.dump();
          log::info("source") << st.s.id << ": range probe: " << probe_summary(st.probe_verdict);
          return;
        }
        if (r.kind == "done") {
          auto m = manifest_from_json(nlohmann::json::parse(r.detail, nullptr, false));
          if (m.ok()) st.manifest = *m;
          log::info("source") << st.s.id << ": backup done, " << (m.ok() ? m->chunks.size() : 0)
                              << " chunks";
        }
        st.last = r;
        if (r.kind != "progress") {
          st.worker = nullptr;
          st.activity = worker_report{};
        }
      },
      // The target fetches one chunk.
      [=](chunk_atom, const std::string& session_id, std::uint64_t index) -> chunk_reply {
        auto& st = self->state;
        st.last_contact = steady_clock::now();
        chunk_reply r;
        r.index = index;
        if (session_id != st.s.id || is_terminal(st.s.state) || !st.manifest) {
          r.status = "gone";
          r.error = "no finished backup for " + session_id + " on this node";
          return r;
        }
        if (index >= st.manifest->chunks.size()) {
          r.status = "error";
          r.error = "chunk index " + std::to_string(index) + " out of range";
          return r;
        }
        auto spool = Spool::open(st.ctx->spool_dir(st.s.id));
        auto bytes = spool.ok() ? spool->read_stored(st.manifest->chunks[index])
                                : Result<std::string>(spool.error());
        if (!bytes.ok()) {
          r.status = "error";
          r.error = bytes.error().describe();
          return r;
        }
        r.status = "ok";
        r.checksum = st.manifest->chunks[index].checksum;
        r.bytes = std::move(*bytes);
        return r;
      },
      // The target's session as it is now.
      [=](mirror_atom, const std::string& session_json) -> peer_reply {
        return adopt_mirror(self, session_json);
      },
      // An admin here cancels: the target drives the cancel; if it cannot be reached,
      // this side ends its copy on its own (the target learns "gone" later).
      [=](cancel_atom, const std::string& reason) {
        auto& st = self->state;
        auto id = st.s.id;
        self->request(st.link, seconds(10), get_atom::value)
            .then(
                [=](const std::string& token, const caf::actor& endpoint, const std::string&) {
                  if (!endpoint) return cancel_locally(self, reason);
                  self->request(endpoint, seconds(5), cancel_atom::value, token, id, reason)
                      .then([=](const peer_reply& r) {
                              if (r.status != "ok") cancel_locally(self, reason);
                            },
                            [=](const caf::error&) { cancel_locally(self, reason); });
                },
                [=](const caf::error&) { cancel_locally(self, reason); });
      },
      // The next attempt to hand a push over.
      [=](retry_atom, std::uint32_t attempt, std::uint32_t retry) {
        auto& st = self->state;
        if (handing_over(st) && st.s.attempt == attempt && st.s.peer_retries == retry) hand_over(self);
      },
      // Quiet target: ask it how the session stands (not before it has the session).
      [=](tick_atom) {
        auto& st = self->state;
        self->delayed_send(self, seconds(5), tick_atom::value);
        if (handing_over(st)) return;
        if (steady_clock::now() - st.last_contact < seconds(10)) return;
        auto id = st.s.id;
        self->request(st.link, seconds(10), get_atom::value)
            .then([=](const std::string& token, const caf::actor& endpoint, const std::string&) {
                    if (!endpoint) return;
                    self->request(endpoint, seconds(5), get_atom::value, token, id)
                        .then([=](const peer_reply& r) {
                                if (r.status == "ok") {
                                  // Not a send to ourselves: the handler's reply would come
                                  // back as a message nobody handles and stop this job.
                                  adopt_mirror(self, r.detail);
                                } else if (r.status == "gone") {
                                  Session ended = self->state.s;
                                  ended.state = State::failed;
                                  ended.last_error = "the target no longer knows this session";
                                  ended.finished_at = now_ms();
                                  if (record(self, ended, "target_gone").ok()) finish(self);
                                }
                              },
                              [](const caf::error&) {});
                  },
                  [](const caf::error&) {});
      },
  };
}

}  // namespace

caf::actor spawn_source_job(caf::actor_system& sys, NodeContextPtr ctx, Session session,
                            caf::actor link, caf::actor manager, caf::actor notifier) {
  return sys.spawn<caf::detached>(source_job, std::move(ctx), std::move(session), std::move(link),
                                  std::move(manager), std::move(notifier));
}

}  // namespace tandem
