#include "statemachine/policy.hpp"

#include <algorithm>

namespace tandem {

std::int64_t retry_delay_ms(const Policy& policy, std::uint32_t retry) {
  if (retry == 0 || policy.retry_base_delay_ms <= 0) return 0;
  const std::int64_t cap = std::max(policy.retry_max_delay_ms, policy.retry_base_delay_ms);
  std::int64_t delay = policy.retry_base_delay_ms;
  // Double step by step so a large retry count can never overflow.
  for (std::uint32_t i = 1; i < retry && delay < cap; ++i) delay = std::min(cap, delay * 2);
  return std::min(delay, cap);
}

}  // namespace tandem
