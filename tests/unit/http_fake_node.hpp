// A NodeApi for the HTTP unit tests: records what the routes asked and answers with
// what the test set. Pure logic only (routing, auth, validation, rendering); anything
// that moves rows is tested against real daemons in tests/integration.
#pragma once

#include <string>
#include <vector>

#include "actors/node_api.hpp"
#include "config/config.hpp"

namespace tandem::test {

class FakeNode : public NodeApi {
 public:
  std::vector<StartFullSync> started;
  std::vector<std::string> cancelled;
  std::vector<bool> paused;
  StartAnswer start_answer{202, "fs-fake-1", ""};
  std::vector<SessionView> known;  // what session()/sessions() return

  StartAnswer start_full_sync(const StartFullSync& req) override {
    started.push_back(req);
    return start_answer;
  }
  Result<std::optional<SessionView>> session(const std::string& id) override {
    for (const auto& v : known)
      if (v.session.id == id) return std::optional<SessionView>(v);
    return std::optional<SessionView>();
  }
  Result<std::vector<SessionView>> sessions(std::size_t limit) override {
    std::vector<SessionView> out(known.begin(), known.begin() + std::min(limit, known.size()));
    return out;
  }
  Status cancel(const std::string& id, const std::string& reason) override {
    cancelled.push_back(id + " | " + reason);
    for (const auto& v : known) {
      if (v.session.id != id) continue;
      if (is_terminal(v.session.state)) return make_error("not_running", "session " + id + " has no running job here; use clear-stuck");
      return ok_status();
    }
    return make_error("unknown_session", "unknown session " + id);
  }
  Result<std::vector<PeerStatus>> peers() override {
    return std::vector<PeerStatus>{{"a", "Server A", true, true, ""},
                                   {"b", "Server B", false, false, "connection refused"}};
  }
  Result<std::vector<std::string>> clear_stuck() override { return std::vector<std::string>{}; }
  Result<std::vector<SessionLogLine>> session_log(const std::string&, std::size_t) override {
    return std::vector<SessionLogLine>{{1, "info", "phase_started(backup) -> running/backup"}};
  }
  Result<std::vector<PeriodicStatus>> periodic() override {
    PeriodicStatus p;
    p.peer = "b";
    p.name = "Server B";
    p.state = "idle";
    p.quarantined = 3;
    p.quarantine_held = 2;
    return std::vector<PeriodicStatus>{p};
  }
  std::vector<ConflictRecord> conflicts;
  std::string conflicts_peer;
  Result<std::vector<ConflictRecord>> periodic_conflicts(const std::string& peer, std::size_t limit) override {
    conflicts_peer = peer;
    std::vector<ConflictRecord> out(conflicts.begin(), conflicts.begin() + std::min(limit, conflicts.size()));
    return out;
  }
  QuarantineList quarantine;
  std::vector<std::string> quarantine_acts;  // "retry 7 | who", "discard 7 | who"
  // What a retry or discard answers: the listed change with that id, else this error.
  Error quarantine_error = make_error(kQuarantineUnknown, "no quarantined change");
  Result<QuarantineList> periodic_quarantine(const std::string& peer, std::size_t limit) override {
    QuarantineList out{quarantine.total, {}};
    for (const auto& c : quarantine.changes)
      if ((peer.empty() || c.peer == peer) && out.changes.size() < limit) out.changes.push_back(c);
    return out;
  }
  Result<QuarantineAction> retry_quarantined(std::int64_t id, const std::string& who) override {
    return act("retry", id, who);
  }
  Result<QuarantineAction> discard_quarantined(std::int64_t id, const std::string& who) override {
    return act("discard", id, who);
  }
  Result<QuarantineAction> act(const std::string& verb, std::int64_t id, const std::string& who) {
    quarantine_acts.push_back(verb + " " + std::to_string(id) + " | " + who);
    for (const auto& c : quarantine.changes)
      if (c.id == id) return QuarantineAction{c, verb == "retry" ? std::vector<std::int64_t>{id - 1} : std::vector<std::int64_t>{}};
    return quarantine_error;
  }
  QuarantineSweep sweep{4, 2, 1, 1, 1, 2};
  Result<QuarantineSweep> retry_all_quarantined(const std::string& peer, const std::string& who) override {
    quarantine_acts.push_back("retry all " + peer + " | " + who);
    return sweep;
  }
  Status set_periodic_paused(bool pause) override {
    paused.push_back(pause);
    return ok_status();
  }
  std::vector<PeerCall> peer_calls;
  PeerCallAnswer peer_answer{true, R"({"status":"ok","detail":"","sessionId":"fs-fake-1"})", "", "", "", ""};
  PeerCallAnswer peer_call(const PeerCall& call) override {
    peer_calls.push_back(call);
    return peer_answer;
  }
};

// The SPEC's example configuration (node a, peer b, token "long-random-string").
inline Config spec_config() {
  auto r = parse_config(R"({
    "node": {"id": "a", "name": "Server A"},
    "database": {"conninfo": "host=127.0.0.1 port=5432 dbname=app user=app"},
    "state_dir": "/var/lib/tandem",
    "http": {"listen": "127.0.0.1:8080", "admin_token": "long-random-string"},
    "actor": {"listen": "0.0.0.0:4242", "secret": "shared-by-all-nodes"},
    "peers": [{"id": "b", "name": "Server B", "actor": "192.168.0.114:4242",
               "http": "192.168.0.114:8080"}]
  })");
  if (!r.ok()) throw std::runtime_error(r.error().describe());
  return *r;
}

}  // namespace tandem::test
