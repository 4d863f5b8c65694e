#include "statemachine/speed.hpp"

#include <algorithm>
#include <cmath>

namespace tandem {

void SpeedMeter::add(TimeMs at, std::uint64_t done) {
  if (samples_ == 0 || done < done_) {  // first sample, or the counter restarted
    at_ = at;
    done_ = done;
    rate_ = 0;
    samples_ = 1;
    return;
  }
  if (at <= at_) return;
  const double dt_s = static_cast<double>(at - at_) / 1000.0;
  const double instant = static_cast<double>(done - done_) / dt_s;
  if (samples_ == 1 || tau_ms_ <= 0) {
    rate_ = instant;
  } else {
    const double alpha = 1.0 - std::exp(-static_cast<double>(at - at_) / tau_ms_);
    rate_ += alpha * (instant - rate_);
  }
  at_ = at;
  done_ = done;
  ++samples_;
}

std::optional<double> SpeedMeter::eta_s(std::uint64_t total) const {
  if (total <= done_) return 0.0;
  if (!has_rate() || rate_ <= 0) return std::nullopt;
  return static_cast<double>(total - done_) / rate_;
}

std::optional<double> session_eta_s(const Session& s, const SpeedMeter& phase_meter,
                                    const PhaseWeights& weights) {
  if (s.state == State::succeeded) return 0.0;
  if (s.state != State::running) return std::nullopt;
  const std::uint64_t total = s.progress(s.phase).bytes_total;
  const auto phase_eta = phase_meter.eta_s(total);
  if (total == 0 || !phase_eta || !phase_meter.has_rate() || phase_meter.per_second() <= 0)
    return std::nullopt;
  // Percent of the session per second at the current phase's speed.
  const double percent_per_s = phase_meter.per_second() / static_cast<double>(total) *
                               phase_share_percent(s.phase, s.options, weights);
  double later_percent = 0;
  for (auto p = next_phase(s.phase, s.options); p; p = next_phase(*p, s.options))
    later_percent += phase_share_percent(*p, s.options, weights);
  return *phase_eta + later_percent / percent_per_s;
}

}  // namespace tandem
