// The value that a full-sync session is. Pure data: no I/O, no clocks, no CAF.
//
// Frozen format: the enum spellings below are written to the journal and shown in the
// API; never change what an existing spelling means. Add new values at the end.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace tandem {

// Milliseconds since the Unix epoch. Time always arrives as a value (in events or as
// `now`); nothing in statemachine/ reads a clock.
using TimeMs = std::int64_t;

enum class Direction { pull, push };

// queued: accepted, not started. running: a phase is executing.
// waiting_peer: the peer is unreachable; retries with back-off (shown as running).
// cancelling: cancel requested; both sides are stopping and cleaning up.
// succeeded / failed / cancelled: terminal, absorb every event.
enum class State { queued, running, waiting_peer, cancelling, succeeded, failed, cancelled };

enum class Phase { backup, transfer, convert, restore, verify };
constexpr int kPhaseCount = 5;

enum class SyncMode { merge, mirror };        // mirror also deletes target-only rows
enum class TransportMethod { actor, http };   // actor link, or the HTTP fallback

struct SessionOptions {
  bool compression = true;
  bool verify = true;
  SyncMode mode = SyncMode::merge;
  TransportMethod method = TransportMethod::actor;
  double bandwidth_limit_mbps = 0;  // 0: no cap
};

// How far one phase got. `checkpoint` is the phase's resume position (for transfer: the
// number of contiguous chunks acknowledged; for restore: 0 or 1, since restore is one
// transaction); `checkpoint_note` carries phase-specific detail (e.g. a manifest digest).
struct PhaseProgress {
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
  std::uint64_t rows_total = 0;
  std::uint64_t checkpoint = 0;
  std::string checkpoint_note;
  TimeMs started_at = 0;   // 0: not started
  TimeMs finished_at = 0;  // 0: not finished
};

struct Session {
  std::string id;         // "fs-…", the same on both nodes
  Direction direction = Direction::pull;
  std::string source;     // node id whose data is copied
  std::string target;     // node id that receives it
  std::string initiator;  // node id where the admin started it
  SessionOptions options;

  State state = State::queued;
  Phase phase = Phase::backup;  // current phase; while queued, the first one to run
  std::array<PhaseProgress, kPhaseCount> phases{};

  TimeMs created_at = 0;
  TimeMs updated_at = 0;
  TimeMs finished_at = 0;       // 0 until terminal
  TimeMs last_progress_at = 0;  // for stall detection

  std::uint32_t attempt = 1;     // bumped on every resume after restart or retry
  // Retries scheduled since the last real progress (a progress advance, a checkpoint
  // advance or a finished phase resets it; reconnecting alone does not, so a peer that
  // flaps without letting the job advance still runs out of retries).
  std::uint32_t peer_retries = 0;
  std::string last_error;        // empty unless something went wrong
  std::string cancel_reason;     // who/why cancel was requested; empty if never cancelled

  PhaseProgress& progress(Phase p) { return phases[static_cast<int>(p)]; }
  const PhaseProgress& progress(Phase p) const { return phases[static_cast<int>(p)]; }
};

bool is_terminal(State s);

// Whether a phase runs in a session with these options (verify can be switched off).
bool phase_enabled(Phase p, const SessionOptions& options);
// The phase that follows `p`, or nullopt when `p` is the last enabled one.
std::optional<Phase> next_phase(Phase p, const SessionOptions& options);

// A new session in state `queued`, phase backup, attempt 1, created/updated at `now`.
Session make_session(std::string id, Direction direction, std::string source,
                     std::string target, std::string initiator, SessionOptions options,
                     TimeMs now);

// "fs-" followed by 16 lowercase hex digits of `random_bits`. The caller supplies the
// randomness (statemachine/ has no random source), e.g. from std::random_device.
std::string new_session_id(std::uint64_t random_bits);
// True for "fs-" followed by 1..64 characters from [A-Za-z0-9_-]: what an API or CLI
// should accept as a session id before looking it up.
bool is_valid_session_id(const std::string& id);

// Field-by-field equality (used by tests and by the journal's round-trip checks).
bool operator==(const PhaseProgress& a, const PhaseProgress& b);
bool operator!=(const PhaseProgress& a, const PhaseProgress& b);
bool operator==(const SessionOptions& a, const SessionOptions& b);
bool operator!=(const SessionOptions& a, const SessionOptions& b);
bool operator==(const Session& a, const Session& b);
bool operator!=(const Session& a, const Session& b);

// Spellings used in the journal, the API and the UI.
const char* to_string(Direction d);
const char* to_string(State s);
const char* to_string(Phase p);
const char* to_string(SyncMode m);
const char* to_string(TransportMethod m);

// Parsers return nullopt for a spelling they do not know.
std::optional<Direction> parse_direction(const std::string& s);
std::optional<State> parse_state(const std::string& s);
std::optional<Phase> parse_phase(const std::string& s);
std::optional<SyncMode> parse_sync_mode(const std::string& s);
std::optional<TransportMethod> parse_transport_method(const std::string& s);

}  // namespace tandem
