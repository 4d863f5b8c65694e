#include "tests/bench/cpu_sampler.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tandem::bench {

CpuSampler::CpuSampler() {
  samples_.push_back(read());
  thread_ = std::thread([this] {
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      auto s = read();
      std::lock_guard<std::mutex> lock(mu_);
      samples_.push_back(s);
    }
  });
}

CpuSampler::~CpuSampler() { stop(); }

void CpuSampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

// The first line of /proc/stat: "cpu  user nice system idle iowait irq softirq steal …".
CpuSampler::Sample CpuSampler::read() {
  std::ifstream in("/proc/stat");
  std::string line;
  if (!std::getline(in, line) || line.rfind("cpu ", 0) != 0) throw std::runtime_error("cannot read /proc/stat");
  std::istringstream f(line.substr(4));
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  f >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  return Sample{now, user + nice + system + irq + softirq + steal, iowait};
}

CpuUse CpuSampler::use(const Sample& a, const Sample& b) const {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  CpuUse u;
  u.seconds = (b.at_ms - a.at_ms) / 1000.0;
  u.core_seconds = static_cast<double>(b.busy - a.busy) / ticks;
  u.iowait_core_seconds = static_cast<double>(b.iowait - a.iowait) / ticks;
  return u;
}

CpuUse CpuSampler::between(std::int64_t from_ms, std::int64_t to_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Sample* first = nullptr;
  const Sample* last = nullptr;
  for (const auto& s : samples_) {
    if (s.at_ms >= from_ms && !first) first = &s;
    if (s.at_ms <= to_ms) last = &s;
  }
  if (!first || !last || last->at_ms <= first->at_ms) return {};
  return use(*first, *last);
}

CpuUse CpuSampler::whole() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (samples_.size() < 2) return {};
  return use(samples_.front(), samples_.back());
}

}  // namespace tandem::bench
