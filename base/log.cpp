#include "base/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace tandem::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_write_mutex;

const char* level_name(Level lvl) {
  switch (lvl) {
    case Level::debug: return "DEBUG";
    case Level::info: return "INFO ";
    case Level::warn: return "WARN ";
    case Level::error: return "ERROR";
  }
  return "?";
}
}  // namespace

void set_level(Level min_level) { g_level = static_cast<int>(min_level); }
Level level() { return static_cast<Level>(g_level.load()); }

bool parse_level(const std::string& text, Level& out) {
  if (text == "debug") out = Level::debug;
  else if (text == "info") out = Level::info;
  else if (text == "warn") out = Level::warn;
  else if (text == "error") out = Level::error;
  else return false;
  return true;
}

void write(Level lvl, const std::string& component, const std::string& text) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fprintf(stderr, "%s.%03dZ %s [%s] %s\n", stamp, static_cast<int>(millis),
               level_name(lvl), component.c_str(), text.c_str());
  std::fflush(stderr);
}

}  // namespace tandem::log
