// periodic_sync (one per peer) and its applier. Every sync.periodic_interval_s the actor
// asks the applier for this node's cursor on the peer, fetches the peer's changes after
// it through the peer link, and has the applier apply them (one transaction, cursor
// included). A batch that says "more" is followed at once. Rounds skip while an admin
// paused them, a full sync with this peer runs, or one into this node does (job_manager,
// fullsync_atom); the cursor a full sync sets makes the next round start exactly after
// the full sync's snapshot.
#include <caf/all.hpp>

#include <chrono>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/periodic_actors.hpp"
#include "base/log.hpp"
#include "base/thread_name.hpp"
#include "persistence/dataplane/activity_watch.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "persistence/periodic/change_feed.hpp"
#include "statemachine/session.hpp"

namespace tandem {
namespace {

using namespace std::chrono;
using nlohmann::json;

constexpr std::uint64_t kBatchLimit = 5000;

TimeMs now_ms() {
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// ---- applier: the blocking half ---------------------------------------------------------

struct applier_state {
  NodeContextPtr ctx;
  std::string peer;
  caf::actor owner;  // the periodic_sync actor: told what a long apply waits for
  std::optional<pg::Connection> conn;
  static inline const char* name = "periodic_applier";
};

// The applier's application_name names its peer, so the activity watch finds it alone.
std::string apply_purpose(const std::string& peer) { return "periodic apply " + peer; }

// How often a running apply is looked at: a round normally ends well within it, so only
// an apply held up for seconds is ever looked at (and opens the watch's connection).
constexpr milliseconds kApplyWatchEvery{2000};

Result<pg::Connection*> connection(caf::stateful_actor<applier_state>* self) {
  auto& st = self->state;
  if (st.conn && PQstatus(st.conn->raw()) == CONNECTION_OK) return &*st.conn;
  auto c = open_data_plane_connection(st.ctx->config.database_conninfo, apply_purpose(st.peer));
  if (!c.ok()) return c.error();
  st.conn = std::move(*c);
  return &*st.conn;
}

caf::behavior applier(caf::stateful_actor<applier_state>* self, NodeContextPtr ctx, std::string peer,
                      caf::actor owner) {
  name_this_thread("tandem.applier");
  self->state.ctx = std::move(ctx);
  self->state.peer = std::move(peer);
  self->state.owner = std::move(owner);
  return {
      [=](cursor_atom) -> std::string {
        auto conn = connection(self);
        if (!conn.ok()) return json{{"error", conn.error().describe()}}.dump();
        auto c = load_cursor(**conn, self->state.peer);
        if (!c.ok()) return json{{"error", c.error().describe()}}.dump();
        return json{{"prev_snapshot", c->prev_snapshot},
                    {"window_snapshot", c->window_snapshot},
                    {"last_id", c->last_id}}
            .dump();
      },
      [=](apply_atom, const std::string& batch_json) -> std::string {
        auto& st = self->state;
        auto batch = batch_from_json(json::parse(batch_json, nullptr, false));
        if (!batch.ok()) return json{{"error", "bad batch from the peer: " + batch.error().describe()}}.dump();
        auto conn = connection(self);
        if (!conn.ok()) return json{{"error", conn.error().describe()}}.dump();
        auto catalog = pg::load_catalog(**conn, st.ctx->selection());
        if (!catalog.ok()) return json{{"error", catalog.error().describe()}}.dump();
        // An apply that waits for an application's lock says for whom (the status's blockedBy).
        ActivityWatch watch(
            st.ctx->config.database_conninfo, kApplyWatchEvery,
            [owner = st.owner](const BackendActivity& a) {
              caf::anon_send(owner, activity_atom::value, std::string(to_string(a.kind)), a.detail);
            },
            apply_purpose(st.peer));
        auto stats = apply_changes(**conn, *catalog, *batch, st.peer, st.ctx->node_id(),
                                   st.ctx->config.sync.conflict_policy);
        watch.stop();
        if (!stats.ok()) return json{{"error", stats.error().describe()}}.dump();
        return json{{"applied", stats->applied},         {"conflicts", stats->conflicts},
                    {"skipped", stats->skipped},         {"quarantined", stats->quarantined},
                    {"newest", stats->newest_changed_at}, {"more", batch->more},
                    {"count", batch->changes.size()}}
            .dump();
      },
  };
}

// ---- periodic_sync: the timer and the conversation ----------------------------------------

struct periodic_state {
  NodeContextPtr ctx;
  PeerConfig peer;
  caf::actor link, manager, change_server, applier;
  bool paused = false;
  bool in_round = false;
  steady_clock::time_point round_started{};
  std::string state = "starting";  // idle, running, paused, paused_full_sync, peer_unreachable, error
  std::string last_error;
  std::string blocked_by;  // while a round's apply waits for another transaction's lock
  TimeMs applying_since = 0;  // the oldest change time in the batch being applied (0 none)
  TimeMs last_round_at = 0;
  double lag_s = 0;
  std::uint64_t applied = 0, conflicts = 0, quarantined = 0;
  static inline const char* name = "periodic_sync";
};

using Self = caf::stateful_actor<periodic_state>;

void schedule(Self* self, milliseconds after) {
  self->delayed_send(self, after, tick_atom::value);
}

void round_over(Self* self, const std::string& state, const std::string& error, bool again_now) {
  auto& st = self->state;
  st.in_round = false;
  st.blocked_by.clear();
  st.applying_since = 0;
  if (st.state != state || st.last_error != error) {
    if (!error.empty()) log::warn("periodic") << "peer " << st.peer.id << ": " << error;
  }
  st.state = state;
  st.last_error = error;
  // Rounds start at a fixed rate (an interval after the previous start, not after its
  // end), so a change waits at most one interval plus one round.
  auto interval = duration_cast<milliseconds>(seconds(st.ctx->config.sync.periodic_interval_s));
  auto spent = duration_cast<milliseconds>(steady_clock::now() - st.round_started);
  schedule(self, again_now ? milliseconds(0) : std::max(milliseconds(0), interval - spent));
}

void apply_batch(Self* self, const std::string& batch_json) {
  auto& st = self->state;
  self->request(st.applier, minutes(10), apply_atom::value, batch_json)
      .then(
          [=](const std::string& answer) {
            auto& st = self->state;
            auto j = json::parse(answer, nullptr, false);
            if (!j.is_object() || j.contains("error"))
              return round_over(self, "error", j.is_object() ? j.value("error", "") : answer, false);
            st.applied += j.value("applied", std::uint64_t{0});
            st.conflicts += j.value("conflicts", std::uint64_t{0});
            st.quarantined += j.value("quarantined", std::uint64_t{0});
            TimeMs now = now_ms();
            st.last_round_at = now;
            std::int64_t newest = j.value("newest", std::int64_t{0});
            if (j.value("count", 0) > 0 && newest > 0) st.lag_s = std::max(0.0, (now - newest) / 1000.0);
            else if (!j.value("more", false)) st.lag_s = 0;
            round_over(self, "idle", "", j.value("more", false));
          },
          [=](const caf::error& e) { round_over(self, "error", self->system().render(e), false); });
}

void fetch(Self* self, const std::string& cursor_json) {
  auto& st = self->state;
  self->request(st.link, seconds(15), get_atom::value)
      .then(
          [=](const std::string& token, const caf::actor& endpoint, const std::string& error) {
            if (!endpoint) return round_over(self, "peer_unreachable", error, false);
            self->request(endpoint, seconds(60), changes_atom::value, token, cursor_json, kBatchLimit)
                .then(
                    [=](const std::string& batch_json) {
                      auto j = json::parse(batch_json, nullptr, false);
                      if (j.is_object() && j.contains("error"))
                        return round_over(self, "error", "peer: " + j.value("error", ""), false);
                      // Lag grows while a batch waits to be applied, not only once it is.
                      auto& oldest = self->state.applying_since;
                      if (j.is_object() && j["changes"].is_array())
                        for (const auto& c : j["changes"])
                          if (c.is_object() && c.value("changed_at", TimeMs{0}) > 0)
                            oldest = oldest == 0 ? c["changed_at"].get<TimeMs>()
                                                 : std::min(oldest, c["changed_at"].get<TimeMs>());
                      apply_batch(self, batch_json);
                    },
                    [=](const caf::error& e) {
                      round_over(self, "peer_unreachable", self->system().render(e), false);
                    });
          },
          [=](const caf::error& e) { round_over(self, "peer_unreachable", self->system().render(e), false); });
}

void start_round(Self* self) {
  auto& st = self->state;
  if (st.in_round) return;
  st.round_started = steady_clock::now();
  if (st.paused) return round_over(self, "paused", "", false);
  st.in_round = true;
  self->request(st.manager, seconds(5), fullsync_atom::value, st.peer.id)
      .then(
          [=](bool full_sync_running) {
            if (full_sync_running) return round_over(self, "paused_full_sync", "", false);
            self->state.state = "running";
            self->request(self->state.applier, seconds(30), cursor_atom::value)
                .then(
                    [=](const std::string& cursor) {
                      auto j = json::parse(cursor, nullptr, false);
                      if (!j.is_object() || j.contains("error"))
                        return round_over(self, "error", j.is_object() ? j.value("error", "") : cursor, false);
                      fetch(self, cursor);
                    },
                    [=](const caf::error& e) { round_over(self, "error", self->system().render(e), false); });
          },
          [=](const caf::error& e) { round_over(self, "error", self->system().render(e), false); });
}

caf::behavior periodic_sync(Self* self, NodeContextPtr ctx, PeerConfig peer, caf::actor link,
                            caf::actor manager) {
  auto& st = self->state;
  st.ctx = ctx;
  st.peer = std::move(peer);
  st.link = std::move(link);
  st.manager = std::move(manager);
  st.applier = self->spawn<caf::detached + caf::linked>(applier, ctx, st.peer.id,
                                                          caf::actor_cast<caf::actor>(self));
  schedule(self, seconds(1));
  return {
      [=](tick_atom) { start_round(self); },
      [=](pause_atom) {
        self->state.paused = true;
        if (!self->state.in_round) self->state.state = "paused";
        log::info("periodic") << "peer " << self->state.peer.id << ": paused by an admin";
      },
      [=](resume_atom) {
        auto& st = self->state;
        if (!st.paused) return;
        st.paused = false;
        st.state = "idle";
        log::info("periodic") << "peer " << st.peer.id << ": resumed";
        if (!st.in_round) start_round(self);
      },
      [=](activity_atom, const std::string& kind, const std::string& detail) {
        auto& st = self->state;
        if (!st.in_round) return;  // a late look at a round that ended
        if (kind == "blocked" && st.blocked_by.empty())
          log::warn("periodic") << "peer " << st.peer.id << ": held up: " << detail;
        st.blocked_by = kind == "blocked" ? detail : "";
      },
      [=](status_atom, const caf::actor& change_server) {
        auto rp = self->make_response_promise();
        auto report = [=](std::uint64_t pending) mutable {
          auto& st = self->state;
          json j = {{"peer", st.peer.id},
                    {"name", st.peer.name},
                    {"state", st.paused ? std::string("paused") : st.state},
                    {"lastRoundAt", st.last_round_at},
                    {"lagSeconds", st.applying_since > 0
                                       ? std::max(st.lag_s, (now_ms() - st.applying_since) / 1000.0)
                                       : st.lag_s},
                    {"pending", pending == UINT64_MAX ? json(nullptr) : json(pending)},
                    {"applied", st.applied},
                    {"conflicts", st.conflicts},
                    {"quarantined", st.quarantined},
                    {"blockedBy", st.blocked_by.empty() ? json(nullptr) : json(st.blocked_by)},
                    {"lastError", st.last_error.empty() ? json(nullptr) : json(st.last_error)}};
          rp.deliver(j.dump());
        };
        self->request(change_server, seconds(5), pending_atom::value, self->state.peer.id)
            .then([=](std::uint64_t n) mutable { report(n); },
                  [=](const caf::error&) mutable { report(UINT64_MAX); });
        return rp;
      },
  };
}

}  // namespace

caf::actor spawn_periodic_sync(caf::actor_system& sys, NodeContextPtr ctx, PeerConfig peer,
                               caf::actor link, caf::actor manager) {
  return sys.spawn(periodic_sync, std::move(ctx), std::move(peer), std::move(link),
                   std::move(manager));
}

}  // namespace tandem
