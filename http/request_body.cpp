#include "http/request_body.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace tandem::http {

std::optional<nlohmann::json> parse_body(const Request& q, JsonErrors& errs) {
  if (q.body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  return parse_json(q.body, errs, "the request body");
}

std::optional<Response> refuse_any_body(const Request& q) {
  JsonErrors errs;
  if (auto doc = parse_body(q, errs)) {
    ObjectReader r(*doc, "", errs);
    r.finish();  // no getter asked: every key is unknown
  }
  if (errs.empty()) return std::nullopt;
  return bad_request(errs);
}

std::optional<Response> refuse_unknown_query(const Request& q,
                                             std::initializer_list<const char*> known) {
  for (const auto& [key, value] : q.query) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) return Response::error(400, "is not a known query parameter", key.substr(0, 64));
  }
  return std::nullopt;
}

std::size_t query_limit(const Request& q, std::size_t fallback, std::size_t max,
                        std::optional<Response>& refused) {
  auto it = q.query.find("limit");
  if (it == q.query.end()) return fallback;
  const auto& t = it->second;
  const bool digits = !t.empty() && t.size() <= 6 &&
                      std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  if (!digits || std::stoul(t) < 1 || std::stoul(t) > max) {
    refused = Response::error(400, "must be a whole number from 1 to " + std::to_string(max), "limit");
    return fallback;
  }
  return std::stoul(t);
}

Response bad_request(const JsonErrors& errs) {
  auto e = errs.to_error("bad_request");
  return Response::error(400, e.message, e.field);
}

}  // namespace tandem::http
