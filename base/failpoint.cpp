#include "base/failpoint.hpp"

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace tandem {
namespace {

// Parsed once: name -> sleep milliseconds.
const std::map<std::string, long>& table() {
  static const std::map<std::string, long> points = [] {
    std::map<std::string, long> out;
    const char* env = std::getenv("TANDEM_FAILPOINTS");
    std::string spec = env ? env : "";
    std::size_t pos = 0;
    while (pos < spec.size()) {
      auto end = spec.find(',', pos);
      std::string item = spec.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      auto eq = item.find("=sleep:");
      if (eq != std::string::npos) out[item.substr(0, eq)] = std::atol(item.c_str() + eq + 7);
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    return out;
  }();
  return points;
}

}  // namespace

void failpoint(const char* name) {
  const auto& points = table();
  if (points.empty()) return;
  auto it = points.find(name);
  if (it != points.end() && it->second > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(it->second));
}

}  // namespace tandem
