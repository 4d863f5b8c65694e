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
  std::uint32_t peer_retries = 0;  // consecutive failed reconnects while waiting_peer
  std::string last_error;        // empty unless something went wrong

  PhaseProgress& progress(Phase p) { return phases[static_cast<int>(p)]; }
  const PhaseProgress& progress(Phase p) const { return phases[static_cast<int>(p)]; }
};

bool is_terminal(State s);

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
