// Plain request/response values: handlers see these, never Poco types, so they stay thin
// and can be tested without a socket.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace tandem::http {

struct Request {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // "/api/sync/backup-progress" (no query)
  std::string target;                          // path?query exactly as sent (node signatures cover it)
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names lower-cased
  std::map<std::string, std::string> params;   // from the route pattern: {id}
  std::string body;
  std::string remote;                          // "127.0.0.1:53412", for logs

  std::string header(const std::string& lower_name) const;
};

// Where a streaming handler (Server-Sent Events) writes. send() returns false once the
// client has gone or the server is stopping: the handler must then return.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual bool send(const std::string& event, const std::string& data) = 0;
  virtual bool keepalive() = 0;  // an SSE comment line, to find out whether the client is there
  virtual bool stopping() const = 0;
};

using StreamHandler = std::function<void(const Request&, EventSink&)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for a streaming route: the server answers 200 text/event-stream and runs it
  // (with `request`, whose params are filled) instead of sending `body`.
  StreamHandler stream;
  std::shared_ptr<const Request> request;

  static Response json(int status, const nlohmann::json& body);
  // Every error body is {error: "<what is wrong>", field?: "<the field>"} (SPEC.md).
  static Response error(int status, const std::string& message, const std::string& field = {});
  static Response text(int status, std::string body, std::string content_type = "text/plain");
};

const char* reason_phrase(int status);

}  // namespace tandem::http
