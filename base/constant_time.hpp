// Comparing secrets (tokens, HMAC proofs) in time that does not depend on where they
// differ, so a remote caller cannot find a token byte by byte from response times.
#pragma once

#include <string>

namespace tandem {

inline bool constant_time_equal(const std::string& a, const std::string& b) {
  // Length is not secret (tokens have a known minimum); contents are.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::string& ref = a.size() == b.size() ? b : a;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ ref[i]);
  return diff == 0;
}

}  // namespace tandem
