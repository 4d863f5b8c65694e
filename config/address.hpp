// "host:port" addresses as written in the config ("127.0.0.1:8080", "[::1]:4242",
// "db.example:5432"). Parsing only; no name resolution here.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.hpp"

namespace tandem {

struct HostPort {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 0;

  std::string text() const;  // back to "host:port" ("[::1]:4242" for IPv6)
  bool operator==(const HostPort& o) const { return host == o.host && port == o.port; }
};

// Refuses an empty host, a missing or non-numeric port, port 0 or > 65535, and
// characters that cannot be in a host name or address.
Result<HostPort> parse_host_port(const std::string& text);

}  // namespace tandem
