// The node as the HTTP edge (and tests) see it: a CAF-free facade whose calls are safe
// from any thread. Each call sends one request to the node's actors and waits for the
// answer (a bounded wait; a timeout is an error, never a hang).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "persistence/periodic/conflict_record.hpp"
#include "persistence/periodic/quarantine_record.hpp"
#include "statemachine/session.hpp"

namespace tandem {

struct StartFullSync {
  Direction direction = Direction::pull;
  std::string peer;        // the other node's id
  SessionOptions options;  // already merged with the config's defaults
};

// The answer to a start: 202 with the session id; 409 naming the running session;
// 404 unknown peer; 502 the peer refused a push. A peer that is down gets 202: the
// session waits for it and retries (a push's source hands it over with back-off).
struct StartAnswer {
  int status = 202;
  std::string session_id;
  std::string error;
};

// A session as the API shows it: the journaled session plus live figures.
struct SessionView {
  Session session;
  double transfer_speed_bps = 0;   // smoothed, current phase
  std::int64_t eta_s = -1;         // whole session; -1 unknown
  bool stalled = false;
  // What the running phase's statements wait for, when another transaction's lock holds
  // them up ("restore waits for a lock held by process 4242 (…)"); empty otherwise.
  std::string blocked_by;
  // The sub-step: the table the running phase is at, as its worker last reported it
  // ("public.orders"); empty when not known (the transfer, a waiting session).
  std::string working_on;
  bool live = false;               // a job is running it on this node
};

struct PeerStatus {
  std::string id;
  std::string name;
  bool local = false;
  bool reachable = false;
  std::string detail;  // why not, when not
};

// One line of a session's detailed log.
struct SessionLogLine {
  std::int64_t at = 0;  // ms
  std::string level;    // "info", "warn", "error", "debug"
  std::string message;
};

// Periodic sync with one peer, as GET /api/admin/sync/periodic shows it.
struct PeriodicStatus {
  std::string peer;
  std::string name;
  std::string state;  // idle, running, paused, paused_full_sync, peer_unreachable, error
  std::int64_t last_round_at = 0;  // ms; 0 never
  double lag_s = 0;
  std::optional<std::uint64_t> pending;  // this node's changes the peer has not fetched
  std::uint64_t applied = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t quarantined = 0;                 // since the daemon started
  std::optional<std::uint64_t> quarantine_held;  // held now, waiting for an admin (unknown: unset)
  std::string blocked_by;  // what an apply waiting for another transaction's lock waits for
  std::string last_error;
};

// A request from a peer over the HTTP fallback transport, already authenticated as coming
// from `client` (http/peer_routes.cpp). `op` names one of the requests the actor link
// carries (actors/messages.hpp): reserve, push, backup, chunk, mirror, cancel, get.
struct PeerCall {
  std::string client;
  std::string op;
  std::string session_json;  // reserve, push, backup, mirror
  std::string session_id;    // chunk, cancel, get
  std::uint64_t chunk = 0;   // chunk
  std::string reason;        // cancel
};

// The job manager's answer: `json` (a peer_reply or backup_status as
// actors/peer_wire_json.hpp writes it), or for a chunk its status, checksum and bytes.
struct PeerCallAnswer {
  bool answered = false;  // false: the node did not answer in time (error says why)
  std::string json;
  std::string chunk_status;  // "ok", "gone", "refused", "error"
  std::string checksum;
  std::string bytes;
  std::string error;
};

class NodeApi {
 public:
  virtual ~NodeApi() = default;
  virtual StartAnswer start_full_sync(const StartFullSync& req) = 0;
  virtual Result<std::optional<SessionView>> session(const std::string& id) = 0;
  virtual Result<std::vector<SessionView>> sessions(std::size_t limit) = 0;
  // 202-style: ok when the cancel was requested (or the session already ended).
  virtual Status cancel(const std::string& id, const std::string& reason) = 0;
  virtual Result<std::vector<PeerStatus>> peers() = 0;
  // Ends stalled sessions (no progress for full_sync.stall_after_s) and frees the lock;
  // returns the ids it ended.
  virtual Result<std::vector<std::string>> clear_stuck() = 0;
  // The session's detailed log on this node, oldest first (at most `limit` lines).
  virtual Result<std::vector<SessionLogLine>> session_log(const std::string& id,
                                                          std::size_t limit) = 0;
  virtual Result<std::vector<PeriodicStatus>> periodic() = 0;
  // Pauses or resumes periodic sync with every peer.
  virtual Status set_periodic_paused(bool paused) = 0;
  // The newest recorded conflicts, at most `limit`; with `peer`'s changes only when given.
  virtual Result<std::vector<ConflictRecord>> periodic_conflicts(const std::string& peer,
                                                                 std::size_t limit) = 0;
  // Peers' changes that failed to apply here, oldest first, at most `limit`; with
  // `peer`'s only when given (persistence/periodic/quarantine.hpp).
  virtual Result<QuarantineList> periodic_quarantine(const std::string& peer, std::size_t limit) = 0;
  // Applies quarantined change `id` again, or deletes it; `who` asked (for the log).
  // Error codes: kQuarantineUnknown, kQuarantineRowChanged, kQuarantineStillFails,
  // kQuarantineSuperseded, or why the node could not do it.
  virtual Result<QuarantineAction> retry_quarantined(std::int64_t id, const std::string& who) = 0;
  virtual Result<QuarantineAction> discard_quarantined(std::int64_t id, const std::string& who) = 0;
  // Retries the newest quarantined change of each row (`peer`'s only, when given), up to
  // 500 rows a call; what happened, in counts.
  virtual Result<QuarantineSweep> retry_all_quarantined(const std::string& peer, const std::string& who) = 0;
  // A peer's request over HTTP (the fallback transport), passed on as the actor link would.
  virtual PeerCallAnswer peer_call(const PeerCall& call) = 0;
};

// Starts the actor system, the gateway on actor.listen, one link per peer and the job
// manager (which resumes unfinished sessions). Errors: the journal cannot be opened
// (corrupt / newer), the actor port cannot be bound.
class Node : public NodeApi {
 public:
  static Result<std::unique_ptr<Node>> start(const Config& config);
  virtual void stop() = 0;
};

}  // namespace tandem
