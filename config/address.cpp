#include "config/address.hpp"

#include <cctype>

namespace tandem {

std::string HostPort::text() const {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

namespace {
bool host_char_ok(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
         c == ':';
}
}  // namespace

Result<HostPort> parse_host_port(const std::string& text) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return make_error("bad_address", "must look like [ipv6]:port, got \"" + text + "\"");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos)
      return make_error("bad_address", "must be host:port, got \"" + text + "\" (no port)");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return make_error("bad_address", "an IPv6 address needs brackets: [addr]:port");
  }
  if (host.empty()) return make_error("bad_address", "has no host in \"" + text + "\"");
  for (char c : host)
    if (!host_char_ok(c))
      return make_error("bad_address", "host \"" + host + "\" has an invalid character");
  if (port.empty() || port.size() > 5)
    return make_error("bad_address", "port must be a number from 1 to 65535");
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return make_error("bad_address", "port must be a number from 1 to 65535");
  long n = std::stol(port);
  if (n < 1 || n > 65535) return make_error("bad_address", "port must be a number from 1 to 65535");
  return HostPort{host, static_cast<std::uint16_t>(n)};
}

}  // namespace tandem
