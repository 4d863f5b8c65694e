#include "base/iso_time.hpp"

#include <cstdio>
#include <ctime>

namespace tandem {

std::string iso_utc_ms(std::int64_t ms) {
  if (ms <= 0) return {};
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", date, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace tandem
