// What the owner of a session must do after a transition: effects are data.
//
// transition() returns the next session plus a list of effects, in the order they are to
// be run. The actor first commits the next session to the journal and only then runs
// the effects (journal first, then act). Every effect is idempotent, so re-running the
// list after a crash between commit and completion is safe. Effects refer to the session
// they came with: its id, phase and attempt form the stale-work guard.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "statemachine/session.hpp"

namespace tandem {

// Run `phase` (or re-enter it from its checkpoint). Worker replies must carry `attempt`;
// replies from an older attempt are stale and dropped.
struct StartPhase {
  Phase phase = Phase::backup;
  std::uint32_t attempt = 1;
};

// Wait `delay_ms`, then try the peer again and report PeerBack or PeerLost.
// `retry` is the 1-based number of this retry (0 for the immediate retry after restart).
struct ScheduleRetry {
  std::int64_t delay_ms = 0;
  std::uint32_t retry = 0;
};

// Stop this session's work on this node and ask the peer to stop its side (best
// effort: the peer may be unreachable and will stop on its own when it learns).
struct StopWork {};

// Roll back the target's open restore transaction, so the target is left as it was.
// Emitted whenever a running restore is interrupted; harmless if none is open.
struct RollbackRestore {};

// Remove this session's spool files (chunks and manifest) on this node.
struct CleanupSpool {};

// Tell people (webhook, e-mail) the session ended with `outcome`.
struct Notify {
  State outcome = State::succeeded;
};

// Free this node's one-full-sync-at-a-time lock (and let periodic sync with the peer
// resume).
struct ReleaseLock {};

// The order of alternatives matches EffectKind.
using Effect = std::variant<StartPhase, ScheduleRetry, StopWork, RollbackRestore,
                            CleanupSpool, Notify, ReleaseLock>;

enum class EffectKind {
  start_phase,
  schedule_retry,
  stop_work,
  rollback_restore,
  cleanup_spool,
  notify,
  release_lock,
};
constexpr int kEffectKindCount = 7;
static_assert(std::variant_size_v<Effect> == kEffectKindCount, "EffectKind and Effect differ");

EffectKind effect_kind(const Effect& e);
const char* to_string(EffectKind k);
// "start_phase(convert, attempt 2)", "schedule_retry(4000 ms, retry 3)", "notify(failed)".
std::string describe(const Effect& e);

bool operator==(const Effect& a, const Effect& b);  // same kind and same fields
bool operator!=(const Effect& a, const Effect& b);

}  // namespace tandem
