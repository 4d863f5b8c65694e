#include "http/router.hpp"

#include <cctype>
#include <exception>

#include "base/constant_time.hpp"
#include "base/log.hpp"

namespace tandem::http {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : path) {
    if (c == '/') {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

std::optional<Response> Router::check_token(const Request& req) const {
  const std::string auth = req.header("authorization");
  if (auth.empty())
    return Response::error(401, "missing bearer token (Authorization: Bearer <admin_token>)",
                           "Authorization");
  // The scheme is case-insensitive (RFC 7235); the token is compared in constant time
  // so response times do not tell how much of a guess was right.
  const std::string scheme = "bearer ";
  bool is_bearer = auth.size() > scheme.size();
  for (std::size_t i = 0; is_bearer && i < scheme.size(); ++i)
    is_bearer = std::tolower(static_cast<unsigned char>(auth[i])) == scheme[i];
  if (!is_bearer || !constant_time_equal(auth.substr(scheme.size()), admin_token_)) {
    log::warn("http") << "refused " << req.method << " " << req.path << " from " << req.remote
                      << ": " << (is_bearer ? "bad token" : "not a bearer token");
    return Response::error(401, is_bearer ? "bad bearer token" : "not a bearer token (Authorization: Bearer <admin_token>)",
                           "Authorization");
  }
  return std::nullopt;
}

void Router::add(std::string method, std::string pattern, Auth auth, Handler handler) {
  routes_.push_back(
      Route{std::move(method), split_path(pattern), pattern, auth, std::move(handler), {}});
}

bool Router::match(const Route& r, const std::vector<std::string>& segs,
                   std::map<std::string, std::string>& params) {
  if (r.segments.size() != segs.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const auto& want = r.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}')
      found[want.substr(1, want.size() - 2)] = segs[i];
    else if (want != segs[i])
      return false;
  }
  params = std::move(found);
  return true;
}

Response Router::dispatch(Request req) const {
  auto segs = split_path(req.path);
  bool path_known = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> params;
    if (!match(r, segs, params)) continue;
    path_known = true;
    if (r.method != req.method) continue;
    if (r.auth == Auth::admin_token) {
      if (auto refused = check_token(req)) return *refused;
    }
    req.params = std::move(params);
    if (r.stream) {
      Response streaming;
      streaming.content_type = "text/event-stream";
      streaming.stream = r.stream;
      streaming.request = std::make_shared<const Request>(std::move(req));
      return streaming;
    }
    try {
      return r.handler(req);
    } catch (const std::exception& e) {
      log::error("http") << req.method << " " << req.path << " failed: " << e.what();
      return Response::error(500, "internal error; see the daemon's log");
    }
  }
  if (path_known) return Response::error(405, "method " + req.method + " not allowed here");
  return Response::error(404, "no such route: " + req.path);
}

void Router::add_stream(std::string method, std::string pattern, Auth auth, StreamHandler handler) {
  routes_.push_back(Route{std::move(method), split_path(pattern), pattern, auth, {}, std::move(handler)});
}

std::vector<std::string> Router::describe() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

}  // namespace tandem::http
