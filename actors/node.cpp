// The facade: starts the actor system and the node's actors, and turns each NodeApi call
// into one request to the job manager (from the caller's thread, through a scoped actor,
// with a timeout). Nothing here decides anything; the actors do.
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/node_api.hpp"
#include "actors/node_supervisor.hpp"
#include "actors/peer_wire_json.hpp"
#include "actors/session_view_json.hpp"
#include "actors/spawn.hpp"
#include "base/log.hpp"
#include "persistence/journal_sqlite.hpp"
#include "statemachine/session_json.hpp"

namespace tandem {
namespace {

using namespace std::chrono;
using nlohmann::json;

constexpr auto kAskTimeout = seconds(15);

// Fails when something listens on `at` (or it cannot be bound at all).
Status ensure_port_free(const HostPort& at) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(at.port);
  if (getaddrinfo(at.host.c_str(), port.c_str(), &hints, &found) != 0 || !found)
    return make_error("actor_listen", "cannot resolve " + at.text(), "actor.listen");
  std::string why;
  int fd = ::socket(found->ai_family, SOCK_STREAM, 0);
  int one = 1;
  if (fd < 0) why = std::strerror(errno);
  else if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
           ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1) != 0)
    why = errno == EADDRINUSE ? "the port is in use by another process" : std::strerror(errno);
  if (fd >= 0) ::close(fd);
  freeaddrinfo(found);
  if (!why.empty())
    return make_error("actor_listen", "cannot listen on " + at.text() + ": " + why, "actor.listen");
  return ok_status();
}

class NodeImpl final : public Node {
 public:
  explicit NodeImpl(NodeContextPtr ctx) : ctx_(std::move(ctx)) {
    register_message_types(cfg_);
    cfg_.load<caf::io::middleman>();
    // Without heartbeats a frozen peer is never noticed (see shared/CAF-0.17.md).
    cfg_.set("middleman.heartbeat-interval", caf::timespan{milliseconds(500)});
    cfg_.set("middleman.connection-timeout", caf::timespan{seconds(2)});
    // Work sharing, not CAF's default work stealing: an idle stealing worker polls with
    // short sleeps after every wake-up, and each API request wakes the scheduler, so four
    // clients polling progress at 10/s kept it spinning (perf: most of tandemd's CPU in
    // clock_nanosleep). The heavy actors are detached anyway; the scheduled ones are
    // light and a shared queue with a condition variable serves them without polling.
    cfg_.set("scheduler.policy", caf::atom("sharing"));
    cfg_.set("logger.file-verbosity", caf::atom("quiet"));
    cfg_.set("logger.console-verbosity", caf::atom("quiet"));
  }

  ~NodeImpl() override { stop(); }

  Status start() {
    // CAF binds without SO_REUSEADDR unless asked for SO_REUSEPORT too: without reuse a
    // restart after kill -9 cannot bind while the dead daemon's connections linger;
    // with it, a second daemon could silently share the port. So first make sure nobody
    // listens there (a plain SO_REUSEADDR bind fails if anyone does); the supervisor
    // then publishes with reuse.
    if (auto free = ensure_port_free(ctx_->config.actor_listen); !free.ok()) return free;
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    supervisor_ = spawn_node_supervisor(*sys_, ctx_);
    Status out = make_error("actor_listen", "the node's actors did not start in time", "actor.listen");
    caf::scoped_actor self{*sys_};
    self->request(supervisor_, kAskTimeout, start_atom::value)
        .receive(
            [&](bool ok, const std::string& error) {
              out = ok ? ok_status() : Status(make_error("actor_listen", error, "actor.listen"));
            },
            [&](caf::error& e) { out = make_error("actor_listen", sys_->render(e), "actor.listen"); });
    return out;
  }

  void stop() override {
    if (!sys_) return;
    caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
    supervisor_ = nullptr;
    sys_->await_all_actors_done();
    // Pending timers (delayed messages, request timeouts) hold strong references to
    // their actors; a detached actor's thread waits until its actor is destroyed, and
    // the system's destructor waits for those threads. Drop the timers first.
    sys_->clock().cancel_all();
    sys_.reset();
  }

  StartAnswer start_full_sync(const StartFullSync& req) override {
    json body = {{"direction", to_string(req.direction)},
                 {"peer", req.peer},
                 {"options", {{"compression", req.options.compression},
                              {"verify", req.options.verify},
                              {"mode", to_string(req.options.mode)},
                              {"method", to_string(req.options.method)},
                              {"bandwidth_limit_mbps", req.options.bandwidth_limit_mbps}}}};
    StartAnswer a{503, {}, "the node did not answer in time"};
    ask(
        [&](int status, const std::string& id, const std::string& error) {
          a = StartAnswer{status, id, error};
        },
        start_atom::value, body.dump());
    return a;
  }

  Result<std::optional<SessionView>> session(const std::string& id) override {
    Result<std::optional<SessionView>> out = make_error("timeout", "the node did not answer in time");
    ask(
        [&](bool found, const std::string& view) {
          if (!found) {
            out = std::optional<SessionView>{};
            return;
          }
          auto v = view_from_json(json::parse(view, nullptr, false));
          if (v.ok()) out = std::optional<SessionView>{*v};
          else out = v.error();
        },
        get_atom::value, id);
    return out;
  }

  Result<std::vector<SessionView>> sessions(std::size_t limit) override {
    Result<std::vector<SessionView>> out = make_error("timeout", "the node did not answer in time");
    ask(
        [&](const std::string& list) {
          std::vector<SessionView> views;
          for (const auto& j : json::parse(list, nullptr, false))
            if (auto v = view_from_json(j); v.ok()) views.push_back(*v);
          out = views;
        },
        list_atom::value, static_cast<std::uint64_t>(limit));
    return out;
  }

  Status cancel(const std::string& id, const std::string& reason) override {
    Status out = make_error("timeout", "the node did not answer in time");
    ask(
        [&](bool ok, const std::string& error) {
          out = ok ? ok_status() : Status(make_error("cancel", error));
        },
        cancel_atom::value, id, reason);
    return out;
  }

  Result<std::vector<PeerStatus>> peers() override {
    Result<std::vector<PeerStatus>> out = make_error("timeout", "the node did not answer in time");
    ask(
        [&](const std::string& list) {
          std::vector<PeerStatus> ps;
          for (const auto& j : json::parse(list, nullptr, false))
            ps.push_back(PeerStatus{j.value("id", ""), j.value("name", ""), j.value("local", false),
                                    j.value("reachable", false), j.value("detail", "")});
          out = ps;
        },
        peers_atom::value);
    return out;
  }

  Result<std::vector<std::string>> clear_stuck() override {
    Result<std::vector<std::string>> out = make_error("timeout", "the node did not answer in time");
    ask(
        [&](const std::string& list) {
          std::vector<std::string> ids;
          for (const auto& j : json::parse(list, nullptr, false)) ids.push_back(j.get<std::string>());
          out = ids;
        },
        stuck_atom::value);
    return out;
  }

  Result<std::vector<SessionLogLine>> session_log(const std::string& id, std::size_t limit) override {
    Result<std::vector<SessionLogLine>> out = make_error("timeout", "the node did not answer in time");
    ask(
        [&](const std::string& list) {
          std::vector<SessionLogLine> lines;
          for (const auto& j : json::parse(list, nullptr, false))
            lines.push_back({j.value("at", std::int64_t{0}), j.value("level", ""), j.value("message", "")});
          out = lines;
        },
        get_atom::value, id, static_cast<std::uint64_t>(limit));
    return out;
  }

  Result<std::vector<PeriodicStatus>> periodic() override {
    if (!sys_) return make_error("stopped", "the node is stopping");
    std::vector<PeriodicStatus> out;
    auto c = children();
    caf::scoped_actor self{*sys_};
    for (const auto& a : c.periodic) {
      self->request(a, kAskTimeout, status_atom::value, c.change_server)
          .receive(
              [&](const std::string& text) {
                auto j = json::parse(text, nullptr, false);
                PeriodicStatus s;
                s.peer = j.value("peer", "");
                s.name = j.value("name", "");
                s.state = j.value("state", "");
                s.last_round_at = j.value("lastRoundAt", std::int64_t{0});
                s.lag_s = j.value("lagSeconds", 0.0);
                if (j.contains("pending") && j["pending"].is_number())
                  s.pending = j["pending"].get<std::uint64_t>();
                s.applied = j.value("applied", std::uint64_t{0});
                s.conflicts = j.value("conflicts", std::uint64_t{0});
                s.quarantined = j.value("quarantined", std::uint64_t{0});
                if (j.contains("lastError") && j["lastError"].is_string()) s.last_error = j["lastError"];
                if (j.contains("blockedBy") && j["blockedBy"].is_string()) s.blocked_by = j["blockedBy"];
                out.push_back(s);
              },
              [&](caf::error& e) {
                log::warn("node") << "periodic status: " << sys_->render(e);
              });
    }
    // What waits for an admin, from tandem.quarantine (the counter above restarts with the
    // daemon). Not asked when the change server could not say what is pending: its
    // database is away, and asking again would only make this status wait.
    for (auto& s : out)
      if (s.pending)
        if (auto held = periodic_quarantine(s.peer, 1); held.ok()) s.quarantine_held = held->total;
    return out;
  }

  Result<std::vector<ConflictRecord>> periodic_conflicts(const std::string& peer,
                                                         std::size_t limit) override {
    auto j = ask_change_server("conflicts", conflicts_atom::value, peer, static_cast<std::uint64_t>(limit));
    if (!j.ok()) return j.error();
    if (!j->is_array()) return make_error("conflicts", "bad answer");
    std::vector<ConflictRecord> list;
    for (const auto& c : *j) list.push_back(conflict_from_json(c));
    return list;
  }

  Result<QuarantineList> periodic_quarantine(const std::string& peer, std::size_t limit) override {
    auto j = ask_change_server("quarantine", quarantine_atom::value, peer, static_cast<std::uint64_t>(limit));
    if (!j.ok()) return j.error();
    return j->get<QuarantineList>();
  }

  Result<QuarantineAction> retry_quarantined(std::int64_t id, const std::string& who) override {
    auto j = ask_change_server("quarantine", qretry_atom::value, id, who);
    if (!j.ok()) return j.error();
    return j->get<QuarantineAction>();
  }

  Result<QuarantineAction> discard_quarantined(std::int64_t id, const std::string& who) override {
    auto j = ask_change_server("quarantine", qdiscard_atom::value, id, who);
    if (!j.ok()) return j.error();
    return j->get<QuarantineAction>();
  }

  Result<QuarantineSweep> retry_all_quarantined(const std::string& peer, const std::string& who) override {
    auto j = ask_change_server("quarantine", qretryall_atom::value, peer, who);
    if (!j.ok()) return j.error();
    return j->get<QuarantineSweep>();
  }

  Status set_periodic_paused(bool paused) override {
    if (!sys_) return make_error("stopped", "the node is stopping");
    for (const auto& a : children().periodic) {
      if (paused) caf::anon_send(a, pause_atom::value);
      else caf::anon_send(a, resume_atom::value);
    }
    return ok_status();
  }

  PeerCallAnswer peer_call(const PeerCall& c) override {
    PeerCallAnswer a;
    a.error = "the node did not answer in time";
    auto reply = [&](const peer_reply& r) {
      a.answered = true;
      a.json = peer_reply_to_json(r);
    };
    if (c.op == "reserve") {
      ask(reply, reserve_atom::value, c.client, c.session_json);
    } else if (c.op == "push") {
      ask(reply, push_atom::value, c.client, c.session_json);
    } else if (c.op == "mirror") {
      ask(reply, mirror_atom::value, c.client, c.session_json);
    } else if (c.op == "cancel") {
      ask(reply, cancel_atom::value, c.client, c.session_id, c.reason);
    } else if (c.op == "get") {
      ask(reply, get_atom::value, c.client, c.session_id);
    } else if (c.op == "backup") {
      ask(
          [&](const backup_status& b) {
            a.answered = true;
            a.json = backup_status_to_json(b);
          },
          backup_atom::value, c.client, c.session_json);
    } else if (c.op == "chunk") {
      ask(
          [&](const chunk_reply& r) {
            a.answered = true;
            a.chunk_status = r.status;
            a.checksum = r.checksum;
            a.bytes.assign(r.bytes.begin(), r.bytes.end());
            a.error = r.error;
          },
          chunk_atom::value, c.client, c.session_id, c.chunk);
    } else {
      a.error = "unknown peer request \"" + c.op + "\"";
    }
    return a;
  }

 private:
  struct Children {
    caf::actor manager, change_server;
    std::vector<caf::actor> periodic;
  };
  // The supervisor's current actors (they change when it restarts them).
  Children children() {
    Children c;
    if (!sys_ || !supervisor_) return c;
    caf::scoped_actor self{*sys_};
    self->request(supervisor_, kAskTimeout, get_atom::value)
        .receive(
            [&](const caf::actor& m, const caf::actor& cs, const std::vector<caf::actor>& p) {
              c = Children{m, cs, p};
            },
            [&](caf::error& e) { log::warn("node") << "supervisor: " << sys_->render(e); });
    return c;
  }

  // One request to the change server, which answers with JSON text: an array, or
  // {"ok": answer} (a change's own "error" field is not a failure), or the error it
  // reports ({"error", "code"}; `what` is the code when it gives none).
  template <class... Ts>
  Result<json> ask_change_server(const char* what, Ts&&... xs) {
    if (!sys_) return make_error("stopped", "the node is stopping");
    Result<json> out = make_error("timeout", "the node did not answer in time");
    auto server = children().change_server;
    if (!server) return out;
    caf::scoped_actor self{*sys_};
    self->request(server, kAskTimeout, std::forward<Ts>(xs)...)
        .receive(
            [&](const std::string& text) {
              auto j = json::parse(text, nullptr, false);
              if (j.is_array()) out = std::move(j);
              else if (j.is_object() && j.contains("ok")) out = std::move(j["ok"]);
              else if (j.is_object() && j.contains("error"))
                out = make_error(j.value("code", std::string(what)), j.value("error", std::string("no answer")));
              else out = make_error(what, "bad answer");
            },
            [&](caf::error& e) { out = make_error("timeout", sys_->render(e)); });
    return out;
  }

  // One request to the manager; `on_reply` runs on this thread with the answer.
  template <class F, class... Ts>
  void ask(F on_reply, Ts&&... xs) {
    auto manager = children().manager;
    if (!manager) return;
    caf::scoped_actor self{*sys_};
    self->request(manager, kAskTimeout, std::forward<Ts>(xs)...)
        .receive(on_reply, [&](caf::error& e) {
          log::warn("node") << "request to the job manager failed: " << sys_->render(e);
        });
  }

  NodeContextPtr ctx_;
  caf::actor_system_config cfg_;  // must outlive the system
  std::unique_ptr<caf::actor_system> sys_;
  caf::actor supervisor_;
};

}  // namespace

NodeContextPtr make_node_context(Config config) {
  auto ctx = std::make_shared<NodeContext>();
  ctx->journal_path = SqliteJournal::path_in(config.state_dir);
  ctx->spool_root = config.state_dir + "/spool";
  ctx->policy.max_peer_retries = static_cast<std::uint32_t>(config.full_sync.peer_retry_limit);
  ctx->config = std::move(config);
  return ctx;
}

Result<std::unique_ptr<Node>> Node::start(const Config& config) {
  auto ctx = make_node_context(config);
  // Open the journal once here so a corrupt or too-new file stops the start with its
  // message, before any actor runs.
  if (auto j = SqliteJournal::open(ctx->journal_path); !j.ok()) return j.error();
  auto node = std::make_unique<NodeImpl>(ctx);
  if (auto s = node->start(); !s.ok()) return s.error();
  return std::unique_ptr<Node>(std::move(node));
}

}  // namespace tandem
