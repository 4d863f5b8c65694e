#include "statemachine/progress.hpp"

#include <algorithm>

namespace tandem {
namespace {

double ratio(std::uint64_t done, std::uint64_t total) {
  return std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
}

double enabled_weight(const SessionOptions& options, const PhaseWeights& weights) {
  double sum = 0;
  for (int i = 0; i < kPhaseCount; ++i)
    if (phase_enabled(static_cast<Phase>(i), options)) sum += weights.weight[i];
  return sum;
}

}  // namespace

double phase_fraction(const PhaseProgress& p) {
  if (p.finished_at != 0) return 1.0;
  if (p.bytes_total > 0) return ratio(p.bytes_done, p.bytes_total);
  if (p.rows_total > 0) return ratio(p.rows_done, p.rows_total);
  return 0.0;
}

double phase_share_percent(Phase p, const SessionOptions& options,
                           const PhaseWeights& weights) {
  const double total = enabled_weight(options, weights);
  if (!phase_enabled(p, options) || total <= 0) return 0.0;
  return 100.0 * weights.weight[static_cast<int>(p)] / total;
}

double session_percent(const Session& s, const PhaseWeights& weights) {
  if (s.state == State::succeeded) return 100.0;
  if (s.state == State::queued) return 0.0;
  double percent = 0;
  for (int i = 0; i <= static_cast<int>(s.phase); ++i) {
    const auto p = static_cast<Phase>(i);
    const double share = phase_share_percent(p, s.options, weights);
    percent += p == s.phase ? share * phase_fraction(s.progress(p)) : share;
  }
  return std::clamp(percent, 0.0, 99.0);
}

const char* phase_text(Phase p) {
  switch (p) {
    case Phase::backup: return "Backing up";
    case Phase::transfer: return "Transferring backup";
    case Phase::convert: return "Converting";
    case Phase::restore: return "Restoring";
    case Phase::verify: return "Verifying";
  }
  return "?";
}

int total_steps(const SessionOptions& options) {
  int n = 0;
  for (int i = 0; i < kPhaseCount; ++i) n += phase_enabled(static_cast<Phase>(i), options);
  return n;
}

int step_number(const Session& s) {
  int n = 1;
  for (int i = 0; i < static_cast<int>(s.phase); ++i)
    n += phase_enabled(static_cast<Phase>(i), s.options);
  return n;
}

std::string step_text(const Session& s) {
  // "3 of 5: Converting"
  const std::string which = std::to_string(step_number(s)) + " of " +
                            std::to_string(total_steps(s.options)) + ": " + phase_text(s.phase);
  switch (s.state) {
    case State::queued: return "Waiting to start";
    case State::running: return "Step " + which + "…";
    case State::waiting_peer: return "Step " + which + " (waiting for the peer)";
    case State::cancelling: return "Cancelling…";
    case State::succeeded: return "Done";
    case State::failed: return "Failed at step " + which;
    case State::cancelled: return "Cancelled";
  }
  return "?";
}

bool is_stalled(const Session& s, TimeMs now, TimeMs stall_after_ms) {
  if (is_terminal(s.state)) return false;
  TimeMs since = s.updated_at;
  if (s.state == State::running && s.last_progress_at != 0) since = s.last_progress_at;
  return now - since >= stall_after_ms;
}

}  // namespace tandem
