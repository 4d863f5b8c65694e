// job_manager — one per node. Owns the one-full-sync-at-a-time lock, creates a job per
// session (target_job where this node receives the data, source_job where it gives it),
// restarts a job that crashed (with back-off), resumes every unfinished session on start,
// routes peer requests to the session's job, and keeps the live view of each session for
// the API. It reads and writes the journal (SQLite), briefly, on a scheduler thread.
#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/peer_wire_json.hpp"
#include "actors/session_view_json.hpp"
#include "actors/spawn.hpp"
#include "base/failpoint.hpp"
#include "base/log.hpp"
#include "persistence/journal_sqlite.hpp"
#include "persistence/spool/spool.hpp"
#include "statemachine/progress.hpp"
#include "statemachine/session_json.hpp"
#include "statemachine/transition.hpp"

namespace tandem {
namespace {

using namespace std::chrono;
using nlohmann::json;

TimeMs now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct manager_state {
  NodeContextPtr ctx;
  std::map<std::string, caf::actor> links;       // the actor link to each peer
  std::map<std::string, caf::actor> http_peers;  // the HTTP fallback to each peer
  std::unique_ptr<SqliteJournal> journal;
  std::optional<std::string> lock;           // the session this node takes part in
  std::map<std::string, caf::actor> jobs;    // session id -> its job here
  std::map<std::string, SessionView> views;  // latest view of every live session
  std::map<std::string, int> restarts;       // crashes per session, for back-off
  std::set<caf::actor_addr> job_addresses;   // every job spawned (to tell their exits apart)
  caf::actor change_server;                  // periodic sync's serving side
  caf::actor notifier;                       // handed to every job (may be null)
  static inline const char* name = "job_manager";
};

using Self = caf::stateful_actor<manager_state>;

bool is_target_here(Self* self, const Session& s) { return s.target == self->state.ctx->node_id(); }

// The way to the other node of `s`, by the transport the session chose.
caf::actor link_for(Self* self, const Session& s) {
  const auto& other = is_target_here(self, s) ? s.source : s.target;
  const auto& links = s.options.method == TransportMethod::http ? self->state.http_peers
                                                                : self->state.links;
  auto it = links.find(other);
  return it == links.end() ? caf::actor{} : it->second;
}

void spawn_job(Self* self, const Session& s, bool resumed) {
  auto& st = self->state;
  auto link = link_for(self, s);
  auto& sys = self->system();
  caf::actor job = is_target_here(self, s)
                       ? spawn_target_job(sys, st.ctx, s, resumed, link, self, st.notifier)
                       : spawn_source_job(sys, st.ctx, s, link, self, st.notifier);
  self->monitor(job);
  // Linked as well: if the manager itself crashes, its jobs stop with it (the supervisor's
  // new manager resumes their sessions); a job's own crash reaches the exit handler below,
  // which leaves it to the down handler.
  self->link_to(job);
  st.job_addresses.insert(job.address());
  st.jobs[s.id] = job;
  st.lock = s.id;
  SessionView v;
  v.session = s;
  v.live = true;
  st.views[s.id] = v;
}

// Records a brand-new session (journal first) and starts its job.
Status create_session(Self* self, const Session& s, const std::string& event) {
  TransitionRecord rec;
  rec.at = now_ms();
  rec.from_state = State::queued;
  rec.to_state = s.state;
  rec.phase = s.phase;
  rec.event = event;
  auto c = self->state.journal->commit(s, rec);
  if (!c.ok()) return c.error();
  spawn_job(self, s, false);
  return ok_status();
}

std::optional<Session> stored(Self* self, const std::string& id) {
  auto r = self->state.journal->get(id);
  if (!r.ok() || !r->has_value()) return std::nullopt;
  return **r;
}

SessionView view_of(Self* self, const Session& s) {
  auto it = self->state.views.find(s.id);
  if (it != self->state.views.end()) {
    // Judged now, not when the job last published: a job whose peer died publishes
    // nothing more, and that is exactly when it must show as stalled.
    SessionView v = it->second;
    v.stalled = is_stalled(v.session, now_ms(), self->state.ctx->config.full_sync.stall_after_s * 1000LL);
    return v;
  }
  SessionView v;
  v.session = s;
  v.live = false;
  // Not finished, yet no job runs it: shown as stalled until it resumes or is cleared.
  v.stalled = !is_terminal(s.state);
  return v;
}

Session parse_session(const std::string& text, std::string& error) {
  auto j = json::parse(text, nullptr, false);
  auto s = session_from_json(j);
  if (!s.ok()) {
    error = s.error().describe();
    return {};
  }
  return *s;
}

// ---- starting ------------------------------------------------------------------------

struct StartReply {
  int status;
  std::string session_id;
  std::string error;
};

void deliver(caf::response_promise& rp, const StartReply& r) {
  rp.deliver(r.status, r.session_id, r.error);
}

// Checked before anything is recorded: the lock here, then (when reachable) the peer's.
void start(Self* self, caf::response_promise rp, Session s) {
  auto& st = self->state;
  bool pull = s.direction == Direction::pull;
  const std::string peer = pull ? s.source : s.target;
  st.lock = s.id;  // held while we ask the peer, so a second start here gets 409
  auto release = [=] {
    if (self->state.lock == s.id) self->state.lock.reset();
  };
  // A push the target cannot take now is recorded here as waiting for the peer; the
  // source job hands it over with back-off and fails, naming why, when the retries run
  // out (SPEC: a peer that is down → the job waits and retries, then fails).
  auto push_later = [=](const std::string& reason) mutable {
    auto t = transition(s, PeerLost{reason}, now_ms(), self->state.ctx->policy);
    Status c = t.ok() ? create_session(self, t->next, "created; " + reason) : Status(t.error());
    if (!c.ok()) {
      release();
      return deliver(rp, {500, {}, c.error().describe()});
    }
    deliver(rp, {202, s.id, {}});
  };
  auto link = link_for(self, s);
  self->request(link, seconds(st.ctx->peer_request_timeout_s + 5), get_atom::value)
      .then(
          [=](const std::string& token, const caf::actor& endpoint, const std::string& error) mutable {
            auto& st = self->state;
            if (!endpoint) {
              if (!pull) return push_later("peer " + peer + " is unreachable: " + error);
              // A pull waits for the source with back-off (the job does that).
              if (auto c = create_session(self, s, "created (source unreachable)"); !c.ok()) {
                release();
                return deliver(rp, {500, {}, c.error().describe()});
              }
              return deliver(rp, {202, s.id, {}});
            }
            auto atom_reply = [=](const peer_reply& r) mutable {
              if (r.status == "busy") {
                release();
                return deliver(rp, {409, r.session_id, "peer " + peer + " is busy with " + r.session_id});
              }
              if (r.status != "ok") {
                release();
                return deliver(rp, {502, {}, "peer " + peer + " refused: " + r.status + " " + r.detail});
              }
              Status c = pull ? create_session(self, s, "created")
                              : (spawn_job(self, s, false), ok_status());
              if (!c.ok()) {
                release();
                return deliver(rp, {500, {}, c.error().describe()});
              }
              deliver(rp, {202, s.id, {}});
            };
            auto on_error = [=](const caf::error& e) mutable {
              if (pull) {  // unreachable now: the job retries
                if (auto c = create_session(self, s, "created"); !c.ok()) {
                  release();
                  return deliver(rp, {500, {}, c.error().describe()});
                }
                return deliver(rp, {202, s.id, {}});
              }
              push_later("peer " + peer + " did not answer: " + self->system().render(e));
            };
            auto body = session_to_json(s).dump();
            auto timeout = seconds(st.ctx->peer_request_timeout_s);
            if (pull)
              self->request(endpoint, timeout, reserve_atom::value, token, body).then(atom_reply, on_error);
            else
              self->request(endpoint, timeout, push_atom::value, token, body).then(atom_reply, on_error);
          },
          [=](const caf::error& e) mutable {
            release();
            deliver(rp, {503, {}, "peer link: " + self->system().render(e)});
          });
}

Session new_session(Self* self, const json& req, std::string& error) {
  auto& ctx = *self->state.ctx;
  auto direction = parse_direction(req.value("direction", ""));
  std::string peer = req.value("peer", "");
  if (!direction) {
    error = "direction must be pull or push";
    return {};
  }
  SessionOptions o;
  const auto& jo = req.value("options", json::object());
  o.compression = jo.value("compression", ctx.config.full_sync.compression);
  o.verify = jo.value("verify", ctx.config.full_sync.verify);
  o.mode = parse_sync_mode(jo.value("mode", "merge")).value_or(SyncMode::merge);
  o.method = parse_transport_method(jo.value("method", "actor")).value_or(TransportMethod::actor);
  o.bandwidth_limit_mbps = jo.value("bandwidth_limit_mbps", ctx.config.full_sync.bandwidth_limit_mbps);
  std::random_device rd;
  std::uint64_t bits = (std::uint64_t(rd()) << 32) ^ rd();
  bool pull = *direction == Direction::pull;
  return make_session(new_session_id(bits), *direction, pull ? peer : ctx.node_id(),
                      pull ? ctx.node_id() : peer, ctx.node_id(), o, now_ms());
}

// ---- requests from peers ---------------------------------------------------------------

// A peer may only touch sessions it takes part in, with this node in the other role.
bool peer_may(Self* self, const std::string& client, const Session& s, bool this_is_source) {
  const auto& me = self->state.ctx->node_id();
  return this_is_source ? (s.source == me && s.target == client)
                        : (s.target == me && s.source == client);
}

// Lock check for a session a peer brings: ok when free or already this one.
bool take_lock(Self* self, const std::string& id) {
  auto& st = self->state;
  if (st.lock && *st.lock != id) return false;
  st.lock = id;
  return true;
}

void ensure_source_job(Self* self, const Session& s) {
  if (!self->state.jobs.count(s.id)) spawn_job(self, s, false);
}

// ---- clearing stuck sessions ---------------------------------------------------------------

json clear_stuck(Self* self) {
  auto& st = self->state;
  json cleared = json::array();
  auto rec = st.journal->recover();
  if (!rec.ok()) return cleared;
  TimeMs now = now_ms();
  for (const auto& s : rec->sessions) {
    auto view = view_of(self, s);
    bool has_job = st.jobs.count(s.id) > 0;
    if (has_job && !is_stalled(view.session, now, st.ctx->config.full_sync.stall_after_s * 1000LL))
      continue;
    if (has_job) {
      self->demonitor(st.jobs[s.id]);
      self->send_exit(st.jobs[s.id], caf::exit_reason::kill);
      st.jobs.erase(s.id);
    }
    Session ended = view.session;
    ended.state = State::failed;
    ended.last_error = "cleared as stuck by an admin (no progress or no job)";
    ended.finished_at = ended.updated_at = now;
    TransitionRecord r{s.id, 0, now, s.state, State::failed, s.phase, "clear_stuck", {}};
    if (!st.journal->commit(ended, r).ok()) continue;
    if (auto spool = Spool::open(st.ctx->spool_dir(s.id)); spool.ok()) spool->remove_all();
    st.views.erase(s.id);
    if (st.lock == s.id) st.lock.reset();
    log::warn("manager") << s.id << " cleared as stuck";
    cleared.push_back(s.id);
  }
  return cleared;
}

caf::behavior job_manager(Self* self, NodeContextPtr ctx, std::map<std::string, caf::actor> links,
                          caf::actor change_server, caf::actor notifier) {
  auto& st = self->state;
  st.ctx = ctx;
  st.links = std::move(links);
  for (const auto& p : ctx->config.peers) {
    st.http_peers[p.id] = spawn_http_peer(self->system(), ctx, p);
    self->link_to(st.http_peers[p.id]);  // they end with the manager
  }
  st.change_server = std::move(change_server);
  st.notifier = std::move(notifier);
  auto journal = SqliteJournal::open(ctx->journal_path);
  if (!journal.ok()) {
    log::error("manager") << journal.error().describe();
    self->quit(caf::exit_reason::unhandled_exception);
    return {};
  }
  st.journal = std::move(*journal);
  // Resume every unfinished session without anyone asking.
  if (auto rec = st.journal->recover(); rec.ok()) {
    for (const auto& u : rec->unreadable)
      log::error("manager") << "cannot resume " << u.session_id << ": " << u.reason;
    for (const auto& s : rec->sessions) {
      log::info("manager") << "resuming " << s.id << " (" << to_string(s.state) << "/"
                           << to_string(s.phase) << ")";
      spawn_job(self, s, true);
    }
  }
  // Shutdown: stop every job (they cancel their workers) and then ourselves.
  self->set_exit_handler([=](caf::exit_msg& em) {
    // A job ended (normally or not): the down handler deals with it.
    if (em.reason == caf::exit_reason::normal || self->state.job_addresses.count(em.source)) return;
    for (auto& [id, job] : self->state.jobs) self->send_exit(job, em.reason);
    self->quit(em.reason);
  });
  // Supervision: a job that crashed is started again (resumed) with back-off.
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    for (auto it = st.jobs.begin(); it != st.jobs.end(); ++it) {
      if (it->second.address() != dm.source) continue;
      std::string id = it->first;
      st.jobs.erase(it);
      if (dm.reason == caf::exit_reason::normal) return;
      int n = ++st.restarts[id];
      auto delay = milliseconds(std::min(30000, 500 << std::min(n, 6)));
      log::warn("manager") << id << ": job stopped (" << self->system().render(dm.reason)
                           << "); restarting in " << delay.count() << " ms";
      self->delayed_send(self, delay, retry_atom::value, id);
      return;
    }
  });
  return {
      // ---- from the facade ----
      [=](start_atom, const std::string& request) {
        auto rp = self->make_response_promise();
        auto& st = self->state;
        auto req = json::parse(request, nullptr, false);
        std::string peer = req.is_object() ? req.value("peer", "") : "";
        if (!st.ctx->config.find_peer(peer)) {
          deliver(rp, {404, {}, "unknown peer \"" + peer + "\""});
          return rp;
        }
        if (st.lock) {
          deliver(rp, {409, *st.lock, "a full sync is already running on this node: " + *st.lock});
          return rp;
        }
        std::string error;
        Session s = new_session(self, req, error);
        if (!error.empty()) {
          deliver(rp, {400, {}, error});
          return rp;
        }
        start(self, rp, s);
        return rp;
      },
      [=](get_atom, const std::string& id) -> caf::result<bool, std::string> {
        // A live session is answered from memory: progress is polled often (the panel,
        // scripts) and must not cost a journal read each time.
        if (auto it = self->state.views.find(id); it != self->state.views.end())
          return {true, view_to_json(view_of(self, it->second.session)).dump()};
        auto s = stored(self, id);
        if (!s) return {false, std::string()};
        return {true, view_to_json(view_of(self, *s)).dump()};
      },
      [=](get_atom, const std::string& id, std::uint64_t limit) -> std::string {
        json out = json::array();
        auto lines = self->state.journal->log_lines(id, limit);
        if (lines.ok())
          for (const auto& l : *lines)
            out.push_back({{"at", l.at}, {"level", log_level_spelling(l.level)}, {"message", l.text}});
        return out.dump();
      },
      [=](list_atom, std::uint64_t limit) -> std::string {
        failpoint("manager_list");
        json out = json::array();
        auto recent = self->state.journal->recent(limit);
        if (recent.ok())
          for (const auto& s : *recent) out.push_back(view_to_json(view_of(self, s)));
        return out.dump();
      },
      [=](cancel_atom, const std::string& id, const std::string& reason) -> caf::result<bool, std::string> {
        auto& st = self->state;
        if (auto it = st.jobs.find(id); it != st.jobs.end()) {
          self->send(it->second, cancel_atom::value, reason);
          return {true, std::string()};
        }
        auto s = stored(self, id);
        if (!s) return {false, "unknown session " + id};
        if (is_terminal(s->state)) return {true, std::string()};
        return {false, "session " + id + " has no running job here; use clear-stuck"};
      },
      [=](peers_atom) {
        auto& st = self->state;
        auto rp = self->make_response_promise();
        auto result = std::make_shared<json>(json::array());
        auto left = std::make_shared<std::size_t>(st.ctx->config.peers.size());
        result->push_back({{"id", st.ctx->node_id()}, {"name", st.ctx->config.node.name},
                           {"local", true}, {"reachable", true}, {"detail", ""}});
        if (*left == 0) rp.deliver(result->dump());
        for (const auto& p : st.ctx->config.peers) {
          auto add = [=](bool up, const std::string& detail) mutable {
            result->push_back({{"id", p.id}, {"name", p.name}, {"local", false},
                               {"reachable", up}, {"detail", detail}});
            if (--*left == 0) rp.deliver(result->dump());
          };
          self->request(st.links.at(p.id), seconds(2), peers_atom::value)
              .then([=](bool up, const std::string& detail) mutable { add(up, detail); },
                    [=](const caf::error& e) mutable { add(false, self->system().render(e)); });
        }
        return rp;
      },
      [=](stuck_atom) -> std::string { return clear_stuck(self).dump(); },

      // ---- from periodic sync ----
      // Whether periodic sync with `peer` pauses: a full sync with `peer` holds the lock,
      // or one into this node does, whatever its source. A third node's changes applied
      // beside a restore would contend for the rows it holds until its commit, and a
      // lock cycle with it ends one of them: possibly the restore.
      [=](fullsync_atom, const std::string& peer) -> bool {
        auto& st = self->state;
        if (!st.lock) return false;
        auto it = st.views.find(*st.lock);
        if (it == st.views.end()) return true;  // starting: be safe
        const Session& s = it->second.session;
        return s.source == peer || s.target == peer || s.target == st.ctx->node_id();
      },
      [=](changes_atom, const std::string& client, const std::string& cursor, std::uint64_t limit) {
        auto rp = self->make_response_promise();
        rp.delegate(self->state.change_server, changes_atom::value, client, cursor, limit);
        return rp;
      },

      // ---- from jobs ----
      [=](progress_atom, const std::string& view_json) {
        auto v = view_from_json(json::parse(view_json, nullptr, false));
        if (v.ok() && self->state.jobs.count(v->session.id)) self->state.views[v->session.id] = *v;
      },
      [=](done_atom, const std::string& id) {
        auto& st = self->state;
        st.views.erase(id);
        st.restarts.erase(id);
        if (st.lock == id) st.lock.reset();
      },
      [=](retry_atom, const std::string& id) {  // restart a crashed job
        auto s = stored(self, id);
        if (s && !is_terminal(s->state) && !self->state.jobs.count(id)) spawn_job(self, *s, true);
      },

      // ---- from peers (through the endpoint, with the peer's id first) ----
      [=](reserve_atom, const std::string& client, const std::string& body) -> peer_reply {
        std::string error;
        Session s = parse_session(body, error);
        if (!error.empty() || !peer_may(self, client, s, true)) return {"error", "not yours: " + error, {}};
        if (!take_lock(self, s.id)) return {"busy", {}, *self->state.lock};
        ensure_source_job(self, s);
        return {"ok", {}, s.id};
      },
      [=](push_atom, const std::string& client, const std::string& body) -> peer_reply {
        std::string error;
        Session s = parse_session(body, error);
        if (!error.empty() || !peer_may(self, client, s, false)) return {"error", "not yours: " + error, {}};
        if (self->state.jobs.count(s.id)) return {"ok", {}, s.id};
        // Asked again after it ended here (the source retried a hand-over we answered):
        // never start an ended session over.
        if (auto known = stored(self, s.id); known && is_terminal(known->state))
          return {"gone", "session " + s.id + " already ended here (" + to_string(known->state) + ")", s.id};
        if (self->state.lock && *self->state.lock != s.id) return {"busy", {}, *self->state.lock};
        if (auto c = create_session(self, s, "created (push from " + client + ")"); !c.ok())
          return {"error", c.error().describe(), {}};
        return {"ok", {}, s.id};
      },
      [=](backup_atom, const std::string& client, const std::string& body) {
        auto rp = self->make_response_promise();
        std::string error;
        Session s = parse_session(split_backup_request(body).session_json, error);
        if (!error.empty() || !peer_may(self, client, s, true)) {
          rp.deliver(backup_state("refused", "not a session of yours: " + error));
        } else if (!take_lock(self, s.id)) {
          rp.deliver(backup_state("failed", "busy with " + *self->state.lock));
        } else {
          ensure_source_job(self, s);
          rp.delegate(self->state.jobs.at(s.id), backup_atom::value, body);
        }
        return rp;
      },
      [=](chunk_atom, const std::string&, const std::string& id, std::uint64_t index) {
        auto rp = self->make_response_promise();
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end())
          rp.deliver(chunk_reply{"gone", index, {}, {}, "no live session " + id});
        else
          rp.delegate(it->second, chunk_atom::value, id, index);
        return rp;
      },
      [=](mirror_atom, const std::string& client, const std::string& body) {
        auto rp = self->make_response_promise();
        std::string error;
        Session s = parse_session(body, error);
        auto it = self->state.jobs.find(s.id);
        if (!error.empty() || !peer_may(self, client, s, true))
          rp.deliver(peer_reply{"error", "not yours: " + error, {}});
        else if (it == self->state.jobs.end())
          rp.deliver(peer_reply{"gone", "no live session", s.id});
        else
          rp.delegate(it->second, mirror_atom::value, body);
        return rp;
      },
      [=](cancel_atom, const std::string& client, const std::string& id,
          const std::string& reason) -> peer_reply {
        auto& st = self->state;
        auto it = st.jobs.find(id);
        auto s = stored(self, id);
        if (it == st.jobs.end() || !s || !peer_may(self, client, *s, false))
          return {"gone", "no live session " + id + " driven here", id};
        self->send(it->second, cancel_atom::value, "cancelled on " + client + ": " + reason);
        return {"ok", {}, id};
      },
      [=](get_atom, const std::string& client, const std::string& id) -> peer_reply {
        auto s = stored(self, id);
        if (!s || (s->source != client && s->target != client)) return {"gone", {}, id};
        return {"ok", session_to_json(*s).dump(), id};
      },
  };
}

}  // namespace

caf::actor spawn_job_manager(caf::actor_system& sys, NodeContextPtr ctx,
                             std::map<std::string, caf::actor> links, caf::actor change_server,
                             caf::actor notifier) {
  // Scheduled, not detached: in CAF 0.17 a detached actor's thread waits until the actor
  // object is destroyed, and ~actor_system waits for that thread. After a session a
  // stray reference sometimes kept the ended manager alive, and the daemon's stop hung
  // (1 stop in 3 to 30 in a loop of pull, stop the peer, SIGTERM; CAF issue #1196 reports
  // the same with detached actors, fixed only in 0.18). Scheduled, such a reference costs
  // nothing at exit: 40 stops in a row, no hang. Its journal calls (a commit is ~0.2 ms,
  // at worst tens of ms) block one of CAF's worker threads (at least 4) meanwhile.
  return sys.spawn(job_manager, std::move(ctx), std::move(links), std::move(change_server),
                   std::move(notifier));
}

}  // namespace tandem
