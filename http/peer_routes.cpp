#include "http/peer_routes.hpp"

#include <chrono>
#include <stdexcept>

#include "actors/peer_auth.hpp"
#include "actors/peer_http_auth.hpp"
#include "base/log.hpp"
#include "http/request_body.hpp"

namespace tandem::http {
namespace {

using nlohmann::json;

using PeerHandler = std::function<Response(const Request&, const std::string& client)>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Checks the peer's signature, runs `h` with the peer's id, signs the answer. A refused
// request gets an unsigned 401: the caller proved nothing, so it is told nothing more.
Handler signed_route(const Config& config, PeerHandler h) {
  return [&config, h](const Request& q) {
    auto client = verify_peer_request(
        config.actor_secret, q.headers, q.method, q.target, q.body, now_ms(),
        [&](const std::string& id) { return config.find_peer(id) != nullptr; });
    if (!client.ok()) {
      log::warn("http") << "refused " << q.method << " " << q.path << " from " << q.remote << ": "
                        << client.error().message;
      return Response::error(401, client.error().message, client.error().field);
    }
    Response r = h(q, *client);
    std::string digest = sha256_hex(r.body);
    for (const auto& [name, value] : r.headers)
      if (name == "X-Tandem-Checksum") digest = value;
    r.headers.emplace_back("X-Tandem-Signature",
                           peer_response_signature(config.actor_secret, q.header("x-tandem-signature"),
                                                   r.status, digest));
    return r;
  };
}

Response answer(const PeerCallAnswer& a) {
  if (!a.answered) return Response::error(503, a.error);
  Response r;
  r.body = a.json;
  return r;
}

// Routes whose body is the session, as JSON; the job manager checks its contents.
PeerHandler with_session(NodeApi& node, const char* op) {
  return [&node, op](const Request& q, const std::string& client) {
    auto j = json::parse(q.body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return Response::error(400, "the body must be the session as a JSON object");
    PeerCall c;
    c.client = client;
    c.op = op;
    c.session_json = q.body;
    return answer(node.peer_call(c));
  };
}

std::optional<std::string> session_id_param(const Request& q, Response& refusal) {
  auto it = q.query.find("sessionId");
  if (it == q.query.end() || !is_valid_session_id(it->second)) {
    refusal = Response::error(400, "sessionId must be a session id (fs-…)", "sessionId");
    return std::nullopt;
  }
  return it->second;
}

Response chunk(NodeApi& node, const Request& q, const std::string& client) {
  if (auto refused = refuse_unknown_query(q, {"sessionId", "chunk"})) return *refused;
  Response refusal;
  auto id = session_id_param(q, refusal);
  if (!id) return refusal;
  auto it = q.query.find("chunk");
  std::uint64_t index = 0;
  try {
    std::size_t used = 0;
    if (it == q.query.end() || it->second.empty() || it->second[0] == '-') throw std::invalid_argument("");
    index = std::stoull(it->second, &used);
    if (used != it->second.size()) throw std::invalid_argument("");
  } catch (const std::exception&) {
    return Response::error(400, "chunk must be a chunk index (0, 1, …)", "chunk");
  }
  PeerCall c;
  c.client = client;
  c.op = "chunk";
  c.session_id = *id;
  c.chunk = index;
  auto a = node.peer_call(c);
  if (!a.answered) return Response::error(503, a.error);
  if (a.chunk_status != "ok") {
    int status = a.chunk_status == "gone" ? 404 : a.chunk_status == "refused" ? 403 : 409;
    return Response::json(status, {{"error", a.error.empty() ? a.chunk_status : a.error},
                                   {"status", a.chunk_status}});
  }
  Response r;
  r.content_type = "application/octet-stream";
  r.body = std::move(a.bytes);
  r.headers.emplace_back("X-Tandem-Checksum", a.checksum);
  r.headers.emplace_back("X-Tandem-Chunk", std::to_string(index));
  return r;
}

Response cancel(NodeApi& node, const Request& q, const std::string& client) {
  JsonErrors errs;
  auto doc = parse_body(q, errs);
  if (!doc) return bad_request(errs);
  ObjectReader r(*doc, "", errs);
  auto id = r.string("sessionId", Need::required, 64);
  auto reason = r.string("reason", Need::optional, 512);
  r.finish();
  if (id && !is_valid_session_id(*id)) errs.add("sessionId", "is not a session id (fs-…)");
  if (!errs.empty()) return bad_request(errs);
  PeerCall c;
  c.client = client;
  c.op = "cancel";
  c.session_id = *id;
  c.reason = reason.value_or("");
  return answer(node.peer_call(c));
}

Response session(NodeApi& node, const Request& q, const std::string& client) {
  if (auto refused = refuse_unknown_query(q, {"sessionId"})) return *refused;
  Response refusal;
  auto id = session_id_param(q, refusal);
  if (!id) return refusal;
  PeerCall c;
  c.client = client;
  c.op = "get";
  c.session_id = *id;
  return answer(node.peer_call(c));
}

}  // namespace

void add_peer_routes(Router& router, NodeApi& node, const Config& config) {
  auto add = [&](const char* method, const char* path, PeerHandler h) {
    router.add(method, path, Auth::none, signed_route(config, std::move(h)));
  };
  add("POST", "/api/sync/initiate-backup", with_session(node, "backup"));
  add("POST", "/api/sync/restore-backup", with_session(node, "push"));
  add("POST", "/api/sync/reserve", with_session(node, "reserve"));
  add("POST", "/api/sync/mirror", with_session(node, "mirror"));
  add("GET", "/api/sync/receive-backup",
      [&node](const Request& q, const std::string& c) { return chunk(node, q, c); });
  add("POST", "/api/sync/cancel",
      [&node](const Request& q, const std::string& c) { return cancel(node, q, c); });
  add("GET", "/api/sync/session",
      [&node](const Request& q, const std::string& c) { return session(node, q, c); });
}

}  // namespace tandem::http
