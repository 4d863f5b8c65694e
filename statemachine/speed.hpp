// Transfer speed and time remaining, from progress samples. Pure: samples carry their
// time, nothing reads a clock.
#pragma once

#include <cstdint>
#include <optional>

#include "statemachine/progress.hpp"
#include "statemachine/session.hpp"

namespace tandem {

// Smoothed rate of one monotonic counter (bytes for MB/s; rows work too). An
// exponentially weighted moving average over irregular intervals: a sample `dt` after
// the previous one gets weight 1 - exp(-dt / time_constant), so the meter follows a
// change of speed within a few time constants whatever the sampling rate.
// One meter per phase: start a fresh one when the phase changes.
class SpeedMeter {
 public:
  explicit SpeedMeter(TimeMs time_constant_ms = 5000) : tau_ms_(time_constant_ms) {}

  // Record that `done` units were done at `at`. A sample not later than the previous one
  // is ignored (its units are counted by the next sample). A counter that went down
  // (the phase restarted) starts the meter over from this sample.
  void add(TimeMs at, std::uint64_t done);

  bool has_rate() const { return samples_ >= 2; }
  double per_second() const { return rate_; }  // 0 until two samples
  std::uint64_t done() const { return done_; }

  // Seconds until `total` units are done at the current rate; nullopt without a rate.
  std::optional<double> eta_s(std::uint64_t total) const;

 private:
  TimeMs tau_ms_;
  TimeMs at_ = 0;
  std::uint64_t done_ = 0;
  double rate_ = 0;  // units per second
  int samples_ = 0;
};

// Seconds until the whole session is done, assuming the rest of it moves through its
// weighted percent as fast as the current phase does now (a meter fed with the current
// phase's bytes). 0 for a succeeded session; nullopt when unknown (no rate, no byte
// total for the phase, or the session is failed, cancelled or not running).
std::optional<double> session_eta_s(const Session& s, const SpeedMeter& phase_meter,
                                    const PhaseWeights& weights = {});

}  // namespace tandem
