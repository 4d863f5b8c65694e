// The route table: (method, path pattern) -> handler, with a per-route auth rule.
// Patterns are literal segments and {name} captures: "/api/admin/sync/full-sync/{id}/cancel".
// The router owns auth (bearer token, constant-time) and the 404/405/401 answers, so
// handlers only parse, ask, render.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"

namespace tandem::http {

using Handler = std::function<Response(const Request&)>;

enum class Auth { none, admin_token };

class Router {
 public:
  explicit Router(std::string admin_token) : admin_token_(std::move(admin_token)) {}

  void add(std::string method, std::string pattern, Auth auth, Handler handler);
  // A Server-Sent Events route: after auth, the server streams through `handler`.
  void add_stream(std::string method, std::string pattern, Auth auth, StreamHandler handler);

  // Finds the route, checks auth, fills req.params, runs the handler. Never throws:
  // a handler's exception becomes a 500 with a generic message (and is logged).
  Response dispatch(Request req) const;

  // "METHOD pattern" of every route, for docs checks.
  std::vector<std::string> describe() const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string pattern;
    Auth auth;
    Handler handler;
    StreamHandler stream;
  };
  // nullopt when the request carries the admin token; else the 401 to send.
  std::optional<Response> check_token(const Request& req) const;
  static bool match(const Route& r, const std::vector<std::string>& path_segments,
                    std::map<std::string, std::string>& params);

  std::string admin_token_;
  std::vector<Route> routes_;
};

std::vector<std::string> split_path(const std::string& path);

}  // namespace tandem::http
