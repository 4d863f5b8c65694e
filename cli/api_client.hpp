// A small blocking client of one node's HTTP API (Poco::Net), for tandemctl.
// Every failure is a value: a transport problem (refused, timeout, bad URL) is an Error
// with code "connection"; an HTTP answer, whatever its status, is an ApiAnswer.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace tandem::cli {

struct Endpoint {
  std::string host;
  int port = 80;
  std::string base_path;  // "" or "/prefix" (no trailing slash), for a node behind a proxy
};

// "http://HOST:PORT[/prefix]", "HOST:PORT" (as in http.listen) or "http://HOST".
// https:// is refused with a message (this build has no TLS client).
Result<Endpoint> parse_url(const std::string& url);

// Percent-encodes everything but letters, digits and "-_.~", for a path segment or a
// query value taken from the command line.
std::string url_encode(const std::string& text);

struct ApiAnswer {
  int status = 0;
  nlohmann::json body;  // the parsed body; a discarded value when it is not JSON
  std::string raw;

  bool ok() const { return status >= 200 && status < 300; }
  // The API's {error, field?} as "field: error", or the raw body / status.
  std::string error_text() const;
};

class ApiClient {
 public:
  ApiClient(Endpoint endpoint, std::string token, std::string url_text, int timeout_s = 10);

  Result<ApiAnswer> get(const std::string& path) const;
  Result<ApiAnswer> post(const std::string& path, const nlohmann::json& body) const;

  const std::string& url() const { return url_text_; }

 private:
  Result<ApiAnswer> send(const std::string& method, const std::string& path,
                         const std::string& body) const;

  Endpoint endpoint_;
  std::string token_;
  std::string url_text_;
  int timeout_s_;
};

}  // namespace tandem::cli
