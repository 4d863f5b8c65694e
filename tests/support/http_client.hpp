// A small blocking HTTP client for tests (Poco), talking to a tandemd on 127.0.0.1.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tandem::test {

struct HttpAnswer {
  int status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;

  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
};

HttpAnswer http_request(int port, const std::string& method, const std::string& path,
                        const std::string& token = {}, const std::string& body = {},
                        int timeout_s = 5);

// The same with exactly the Authorization header given ("" for none), so a test can send
// malformed schemes; the path is sent as written (already URL-encoded).
HttpAnswer http_request_raw_auth(int port, const std::string& method, const std::string& path,
                                 const std::string& authorization, const std::string& body,
                                 int timeout_s = 10);

inline HttpAnswer http_get(int port, const std::string& path, const std::string& token = {}) {
  return http_request(port, "GET", path, token);
}

}  // namespace tandem::test
