// Pure progress maths for a full-sync session: percent, step text, stall detection.
// Everything is computed from the Session value and the time passed in.
#pragma once

#include <array>
#include <string>

#include "statemachine/session.hpp"

namespace tandem {

// How much of the whole session each phase counts for, indexed by Phase. Relative
// numbers: a disabled phase (verify off) drops out and the rest are rescaled.
// The defaults reflect measured cost: transfer and restore dominate.
struct PhaseWeights {
  std::array<double, kPhaseCount> weight{15, 35, 5, 35, 10};
};

// How far one phase got, 0..1: 1 once finished; otherwise bytes done/total, or rows
// done/total when bytes are unknown; 0 when nothing is known.
double phase_fraction(const PhaseProgress& p);

// The percent (0..100) of the whole session that phase `p` counts for under these
// options; 0 for a disabled phase.
double phase_share_percent(Phase p, const SessionOptions& options,
                           const PhaseWeights& weights = {});

// The whole session's percent, 0..100: phases before the current one count in full, the
// current one by its fraction. Only a succeeded session reaches 100; anything else is
// capped at 99 so a bar never shows "done" before it is.
double session_percent(const Session& s, const PhaseWeights& weights = {});

// "Backing up", "Transferring backup", "Converting", "Restoring", "Verifying".
const char* phase_text(Phase p);
// 5, or 4 when verify is off.
int total_steps(const SessionOptions& options);
// 1-based position of the current phase among the enabled ones.
int step_number(const Session& s);

// One line for the progress panel and the CLI, by state:
//   queued       "Waiting to start"
//   running      "Step 3 of 5: Converting…"
//   waiting_peer "Step 2 of 5: Transferring backup (waiting for the peer)"
//   cancelling   "Cancelling…"
//   succeeded    "Done"
//   failed       "Failed at step 2 of 5: Transferring backup"
//   cancelled    "Cancelled"
std::string step_text(const Session& s);

// A live session that has not moved for `stall_after_ms` or longer. For `running` the
// clock is last_progress_at (progress, or a StillWorking event: database work seen
// executing, not waiting for a lock); for queued,
// waiting_peer and cancelling it is updated_at (any transition shows the job is alive).
// Terminal sessions are never stalled.
bool is_stalled(const Session& s, TimeMs now, TimeMs stall_after_ms);

}  // namespace tandem
