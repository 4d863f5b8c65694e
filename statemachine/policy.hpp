// Tunables of the state machine, passed in as values (from the configuration).
#pragma once

#include <cstdint>

namespace tandem {

struct Policy {
  // How many retries (after a lost peer or a retryable failure) without real progress
  // before the session fails for good, naming the last reason.
  std::uint32_t max_peer_retries = 8;
  // Back-off: the n-th retry waits base * 2^(n-1), capped at max.
  std::int64_t retry_base_delay_ms = 1000;
  std::int64_t retry_max_delay_ms = 60000;
};

// Delay before retry number `retry` (1-based; 0 means "now" and gives 0).
std::int64_t retry_delay_ms(const Policy& policy, std::uint32_t retry);

}  // namespace tandem
