// What can happen to a full-sync session: events are plain data, fed to transition().
//
// The actor that owns a session stamps each event with the time (passed to transition()
// as `now`) and drops stale worker replies (wrong session, phase or attempt) *before*
// building an event, so an event here is always about the session's current work.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "statemachine/session.hpp"

namespace tandem {

// A phase's worker has begun (or re-entered from its checkpoint). From `queued` this is
// what starts the session.
struct PhaseStarted {
  Phase phase = Phase::backup;
};

// Counters of the running phase. Done values only move forward: a smaller one is
// clamped (kept at the higher value already recorded), not refused, because a
// progress report carries several counters and one stale value must not lose the rest.
// A total of 0 means "not known yet" and keeps the recorded total.
struct Progress {
  Phase phase = Phase::backup;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t rows_done = 0;
  std::uint64_t rows_total = 0;
};

// The running phase durably reached `position` (transfer: contiguous chunks acked).
// A position below the recorded one is refused (invalid_transition): resuming from it
// would redo or skip work, so it signals a bug or a stale report. Equal is accepted
// (re-journaling the same checkpoint, possibly with a new note).
struct CheckpointReached {
  Phase phase = Phase::backup;
  std::uint64_t position = 0;
  std::string note;
};

// The running phase finished; only valid for the current phase.
struct PhaseDone {
  Phase phase = Phase::backup;
};

// An admin asked to cancel (UI, CLI or API); `reason` says who/why.
struct CancelRequested {
  std::string reason;
};

// Both sides stopped and cleaned up after a cancel request.
struct Cancelled {};

// The work failed. A retryable failure is handled like a lost peer (wait, retry with
// back-off, give up after Policy::max_peer_retries); a non-retryable one ends the
// session as failed at once with `reason` as its error.
struct Failed {
  std::string reason;
  bool retryable = false;
};

// The peer link dropped or a reconnect attempt failed.
struct PeerLost {
  std::string reason;
};

// The peer is reachable again (a scheduled retry connected).
struct PeerBack {};

// The daemon restarted and found this unfinished session in the journal.
struct ResumedAfterRestart {};

// The running phase moved no counter, but its database work is seen executing (a single
// statement, such as the merge of a very big table, can outlast the stall timeout): the
// stall clock restarts, the retry budget does not refill. A phase waiting for a lock
// another transaction holds is not working and sends no such event.
struct StillWorking {
  Phase phase = Phase::backup;
};

// The order of alternatives matches EventKind; event_kind() relies on it.
using Event = std::variant<PhaseStarted, Progress, CheckpointReached, PhaseDone,
                           CancelRequested, Cancelled, Failed, PeerLost, PeerBack,
                           ResumedAfterRestart, StillWorking>;

enum class EventKind {
  phase_started,
  progress,
  checkpoint_reached,
  phase_done,
  cancel_requested,
  cancelled,
  failed,
  peer_lost,
  peer_back,
  resumed_after_restart,
  still_working,
};
constexpr int kEventKindCount = 11;
static_assert(std::variant_size_v<Event> == kEventKindCount, "EventKind and Event differ");

EventKind event_kind(const Event& e);
const char* to_string(EventKind k);

// Short text for the journal's transition log, e.g. "phase_done(transfer)",
// "progress(transfer 1024/4096 B, 10/40 rows)", "failed(retryable: connection reset)".
std::string describe(const Event& e);

}  // namespace tandem
