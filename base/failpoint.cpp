#include "base/failpoint.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>

namespace tandem {
namespace {

struct Action {
  long sleep_ms = 0;        // sleep:MS
  bool throws = false;      // throw / throw_once
  bool once = false;
  std::atomic<bool> fired{false};
};

// Parsed once: name -> action.
std::map<std::string, Action>& table() {
  static std::map<std::string, Action> points = [] {
    std::map<std::string, Action> out;
    const char* env = std::getenv("TANDEM_FAILPOINTS");
    std::string spec = env ? env : "";
    std::size_t pos = 0;
    while (pos < spec.size()) {
      auto end = spec.find(',', pos);
      std::string item = spec.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      auto eq = item.find('=');
      if (eq != std::string::npos) {
        std::string name = item.substr(0, eq), what = item.substr(eq + 1);
        Action& a = out[name];
        if (what.rfind("sleep:", 0) == 0) a.sleep_ms = std::atol(what.c_str() + 6);
        else if (what == "throw") a.throws = true;
        else if (what == "throw_once") a.throws = a.once = true;
      }
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    return out;
  }();
  return points;
}

}  // namespace

void failpoint(const char* name) {
  auto& points = table();
  if (points.empty()) return;
  auto it = points.find(name);
  if (it == points.end()) return;
  Action& a = it->second;
  if (a.sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(a.sleep_ms));
  if (a.throws && !(a.once && a.fired.exchange(true)))
    throw std::runtime_error(std::string("fail point ") + name);
}

}  // namespace tandem
