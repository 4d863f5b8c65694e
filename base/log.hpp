// Logging to stderr: one line per record, "2026-11-25T12:00:00.123Z INFO  [who] text".
// Thread-safe (one mutex around the write); cheap enough for per-phase, not per-row, use.
#pragma once

#include <sstream>
#include <string>

namespace tandem::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(Level min_level);
Level level();
bool parse_level(const std::string& text, Level& out);
void write(Level lvl, const std::string& component, const std::string& text);

// Stream-style helper: log::info("http") << "listening on " << addr;
class Line {
 public:
  Line(Level lvl, std::string component) : lvl_(lvl), component_(std::move(component)) {}
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  ~Line() {
    if (lvl_ >= level()) write(lvl_, component_, buf_.str());
  }
  template <class T>
  Line& operator<<(const T& v) {
    buf_ << v;
    return *this;
  }

 private:
  Level lvl_;
  std::string component_;
  std::ostringstream buf_;
};

inline Line debug(std::string c) { return Line(Level::debug, std::move(c)); }
inline Line info(std::string c) { return Line(Level::info, std::move(c)); }
inline Line warn(std::string c) { return Line(Level::warn, std::move(c)); }
inline Line error(std::string c) { return Line(Level::error, std::move(c)); }

}  // namespace tandem::log
