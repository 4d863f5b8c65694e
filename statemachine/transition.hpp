// The full-sync state machine: one pure function from (session, event, time) to the next
// session and the effects to run. Everything about "what happens next" lives here.
//
// States (see session.hpp): queued -> running (phases backup, transfer, convert, restore,
// verify in order; verify skipped when options.verify is false) -> succeeded; from any
// non-terminal state to failed or cancelled (via cancelling); running <-> waiting_peer
// while the peer is away. Terminal states absorb nothing: every event there is refused.
//
// The legal edges are listed in one table in transition.cpp; the full matrix of
// (state, event) outcomes is spelled out in tests/unit/statemachine_table_test.cpp.
#pragma once

#include <vector>

#include "base/result.hpp"
#include "statemachine/effect.hpp"
#include "statemachine/event.hpp"
#include "statemachine/policy.hpp"
#include "statemachine/session.hpp"

namespace tandem {

struct Transition {
  Session next;
  std::vector<Effect> effects;  // run in this order, after `next` is journaled
};

// Applies `event` at time `now`. An event that is not allowed in the session's state,
// or that names another phase than the current one, or that would move a checkpoint
// back, returns Error{code "invalid_transition", message naming state and event}; the
// caller keeps its session as it was.
//
// Every accepted event sets updated_at = now; phase starts, progress that advances,
// checkpoints, finished phases and StillWorking also set last_progress_at = now (only
// progress that advances refills the retry budget). Entering a terminal
// state sets finished_at = now.
Result<Transition> transition(const Session& session, const Event& event, TimeMs now,
                              const Policy& policy = {});

// Whether transition() would accept this kind of event in this state at all (ignoring
// the per-event guards such as "must be the current phase"). For UIs and for tests.
bool allows(State state, EventKind kind);

}  // namespace tandem
