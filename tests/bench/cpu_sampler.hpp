// The whole machine's CPU over a run, from /proc/stat sampled every 20 ms on a thread of
// its own, so a benchmark can say how many cores each phase kept busy and how many
// core-seconds it spent (both databases and both daemons run on the same cores here, so
// a phase that leaves a core idle shows up as fewer than all cores busy).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tandem::bench {

struct CpuUse {
  double seconds = 0;       // wall time between the samples used
  double core_seconds = 0;  // busy time of all cores (user, nice, system, irq, softirq, steal)
  double iowait_core_seconds = 0;
  double busy_cores() const { return seconds > 0 ? core_seconds / seconds : 0; }
};

class CpuSampler {
 public:
  CpuSampler();   // starts sampling
  ~CpuSampler();  // stop()
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;
  void stop();
  // Between the first sample at or after `from_ms` and the last at or before `to_ms`
  // (wall clock, ms since the epoch, as a session's startedAt/finishedAt); all zero when
  // no two samples fall in between.
  CpuUse between(std::int64_t from_ms, std::int64_t to_ms) const;
  CpuUse whole() const;  // from the first sample to the last

 private:
  struct Sample {
    std::int64_t at_ms;
    std::uint64_t busy, iowait;  // clock ticks, all cores
  };
  static Sample read();
  CpuUse use(const Sample& a, const Sample& b) const;

  mutable std::mutex mu_;
  std::vector<Sample> samples_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tandem::bench
