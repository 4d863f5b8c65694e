// Milliseconds since the Unix epoch as ISO 8601 UTC with milliseconds:
// "2026-11-25T12:00:00.123Z" — the one spelling of times in logs, the API and notifications.
#pragma once

#include <cstdint>
#include <string>

namespace tandem {

// "" for ms <= 0 (never happened).
std::string iso_utc_ms(std::int64_t ms);

}  // namespace tandem
