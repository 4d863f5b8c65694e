#include "http/full_sync_routes.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

#include "base/json_reader.hpp"
#include "http/api_views.hpp"
#include "http/request_body.hpp"

namespace tandem::http {
namespace {

using nlohmann::json;

// Parses the start request; on success fills `req`.
bool parse_start(const Request& q, const Config& config, StartFullSync& req,
                 JsonErrors& errs) {
  auto doc = parse_body(q, errs);
  if (!doc) return false;
  ObjectReader r(*doc, "", errs);
  auto action = r.string("action", Need::required, 16);
  if (action && *action != "pull" && *action != "push")
    errs.add("action", "must be \"pull\" or \"push\"");
  if (action) req.direction = *action == "push" ? Direction::push : Direction::pull;
  if (const json* tp = r.object("targetPeer", Need::required)) {
    ObjectReader p(*tp, "targetPeer", errs);
    req.peer = p.string("nodeId", Need::required, 64).value_or("");
    p.string("ipAddress", Need::optional, 256);  // the plan's shape; informational
    p.string("name", Need::optional, 256);
    p.finish();
    if (!req.peer.empty() && req.peer == config.node.id)
      errs.add("targetPeer.nodeId", "is this node; choose another server");
  }
  SessionOptions& o = req.options;
  o.compression = config.full_sync.compression;
  o.verify = config.full_sync.verify;
  o.bandwidth_limit_mbps = config.full_sync.bandwidth_limit_mbps;
  if (const json* opts = r.object("options", Need::optional)) {
    ObjectReader q(*opts, "options", errs);
    o.compression = q.boolean("compressionEnabled", Need::optional).value_or(o.compression);
    o.verify = q.boolean("verifyAfterSync", Need::optional).value_or(o.verify);
    if (auto mode = q.string("mode", Need::optional, 16)) {
      auto m = parse_sync_mode(*mode);
      if (!m) errs.add("options.mode", "must be \"merge\" or \"mirror\"");
      o.mode = m.value_or(SyncMode::merge);
    }
    if (auto method = q.string("method", Need::optional, 16)) {
      auto m = parse_transport_method(*method);
      if (!m) errs.add("options.method", "must be \"actor\" or \"http\"");
      o.method = m.value_or(TransportMethod::actor);
    }
    if (auto bw = q.number("bandwidthLimitMBps", Need::optional, 0, 1e6)) {
      // A request may lower the configured cap, never lift it.
      double cap = config.full_sync.bandwidth_limit_mbps;
      o.bandwidth_limit_mbps = cap > 0 && (*bw == 0 || *bw > cap) ? cap : *bw;
    }
    q.finish();
  }
  r.finish();
  if (o.method == TransportMethod::http && !req.peer.empty()) {
    const PeerConfig* p = config.find_peer(req.peer);
    if (p && p->http.port == 0)
      errs.add("options.method", "peer " + req.peer + " has no \"http\" address in the config; "
                                 "the HTTP fallback needs one");
  }
  return errs.empty();
}

// A session id in a path or query: a well-formed one is looked up; a plain word that is
// not of the form fs-… cannot name a session either, so it is as unknown as a well-formed
// id nobody issued (404); anything else (dots, slashes, spaces, …) is malformed (400).
enum class IdParam { session_id, unknown, malformed };
IdParam classify_id_param(const std::string& id) {
  if (is_valid_session_id(id)) return IdParam::session_id;
  static const std::regex plain_word("[A-Za-z0-9_-]{1,80}");
  return std::regex_match(id, plain_word) ? IdParam::unknown : IdParam::malformed;
}

// The 400 or 404 for an id that names no session, or nothing when `id` is to be looked up.
std::optional<Response> refuse_id_param(const std::string& id, const std::string& field) {
  switch (classify_id_param(id)) {
    case IdParam::session_id: return std::nullopt;
    case IdParam::unknown: return Response::error(404, "unknown session " + id, field);
    case IdParam::malformed: break;
  }
  return Response::error(400, "is not a session id (fs-…)", field);
}

// The cancel body: optional {reason}, kept in the session's log.
std::optional<std::string> parse_cancel(const Request& q, JsonErrors& errs) {
  auto doc = parse_body(q, errs);
  if (!doc) return std::nullopt;
  ObjectReader r(*doc, "", errs);
  auto reason = r.string("reason", Need::optional, 512);
  r.finish();
  if (!errs.empty()) return std::nullopt;
  return reason.value_or("");
}

// The host an admin knows a node by, as the panel's server list shows it ("Server B
// (192.168.0.114)"): a peer's actor address; for this node the first listen address that
// is not a wildcard; null when there is none.
json node_address(const Config& config, const PeerStatus& p) {
  auto concrete = [](const HostPort& hp) { return !hp.host.empty() && hp.host != "0.0.0.0" && hp.host != "::"; };
  if (p.local) {
    for (const HostPort* hp : {&config.http_listen, &config.actor_listen})
      if (concrete(*hp)) return hp->host;
    return nullptr;
  }
  const PeerConfig* peer = config.find_peer(p.id);
  return peer && concrete(peer->actor) ? json(peer->actor.host) : json(nullptr);
}

}  // namespace

void add_full_sync_routes(Router& router, NodeApi& node, const Config& config) {
  router.add("POST", "/api/admin/sync/full-sync", Auth::admin_token, [&node, &config](const Request& q) {
    StartFullSync req;
    JsonErrors errs;
    if (!parse_start(q, config, req, errs)) return bad_request(errs);
    auto a = node.start_full_sync(req);
    if (a.status == 202) {
      const PeerConfig* peer = config.find_peer(req.peer);
      std::string other = peer ? peer->name : req.peer;
      std::string flow = req.direction == Direction::pull ? other + " → " + config.node.name
                                                          : config.node.name + " → " + other;
      return Response::json(202, {{"success", true}, {"sessionId", a.session_id},
                                  {"message", "Full sync started: " + flow}});
    }
    json body = {{"error", a.error}};
    if (a.status == 404) body["field"] = "targetPeer.nodeId";
    if (!a.session_id.empty()) body["sessionId"] = a.session_id;
    return Response::json(a.status, body);
  });

  router.add("GET", "/api/sync/backup-progress", Auth::admin_token, [&node](const Request& q) {
    if (auto refused = refuse_unknown_query(q, {"sessionId"})) return *refused;
    auto it = q.query.find("sessionId");
    if (it == q.query.end()) return Response::error(400, "is required", "sessionId");
    if (auto refused = refuse_id_param(it->second, "sessionId")) return *refused;
    auto v = node.session(it->second);
    if (!v.ok()) return Response::error(503, v.error().message);
    if (!v->has_value()) return Response::error(404, "unknown session " + it->second, "sessionId");
    return Response::json(200, progress_json(**v));
  });

  router.add("POST", "/api/admin/sync/full-sync/{id}/cancel", Auth::admin_token, [&node](const Request& q) {
    const auto& id = q.params.at("id");
    if (auto refused = refuse_id_param(id, "id")) return *refused;
    JsonErrors errs;
    auto reason = parse_cancel(q, errs);
    if (!reason) return bad_request(errs);
    std::string why = "requested through the API from " + q.remote;
    if (!reason->empty()) why += ": " + *reason;
    auto st = node.cancel(id, why);
    if (!st.ok()) {
      if (st.error().message.rfind("unknown session", 0) == 0) return Response::error(404, st.error().message, "id");
      // Every 409 names the session it is about (SPEC).
      return Response::json(409, {{"error", st.error().message}, {"field", "id"}, {"sessionId", id}});
    }
    return Response::json(202, {{"success", true}, {"sessionId", id}, {"message", "cancel requested"}});
  });

  router.add("GET", "/api/admin/sync/sessions", Auth::admin_token, [&node](const Request& q) {
    if (auto refused = refuse_unknown_query(q, {"limit"})) return *refused;
    std::optional<Response> refused;
    const std::size_t limit = query_limit(q, 20, 1000, refused);
    if (refused) return *refused;
    auto list = node.sessions(limit);
    if (!list.ok()) return Response::error(503, list.error().message);
    json out = json::array();
    for (const auto& v : *list) out.push_back(session_summary_json(v));
    return Response::json(200, {{"sessions", out}});
  });

  router.add("GET", "/api/admin/sync/sessions/{id}", Auth::admin_token, [&node](const Request& q) {
    const auto& id = q.params.at("id");
    if (auto refused = refuse_id_param(id, "id")) return *refused;
    auto v = node.session(id);
    if (!v.ok()) return Response::error(503, v.error().message);
    if (!v->has_value()) return Response::error(404, "unknown session " + id, "id");
    auto detail = session_detail_json(**v);
    json log = json::array();
    if (auto lines = node.session_log(id, 500); lines.ok())
      for (const auto& l : *lines)
        log.push_back({{"at", iso_time(l.at)}, {"level", l.level}, {"message", l.message}});
    detail["log"] = log;
    return Response::json(200, detail);
  });

  router.add("GET", "/api/admin/sync/peers", Auth::admin_token, [&node, &config](const Request&) {
    auto peers = node.peers();
    if (!peers.ok()) return Response::error(503, peers.error().message);
    json nodes = json::array();
    for (const auto& p : *peers) {
      json n = {{"id", p.id}, {"name", p.name}, {"address", node_address(config, p)},
                {"local", p.local}, {"reachable", p.reachable}, {"detail", p.detail}};
      // What a start request gets for the options it leaves out (the panel's form
      // starts from these, so a node set not to compress or verify is not overridden).
      if (p.local)
        n["defaults"] = {{"compressionEnabled", config.full_sync.compression},
                         {"verifyAfterSync", config.full_sync.verify},
                         {"bandwidthLimitMBps", config.full_sync.bandwidth_limit_mbps}};
      nodes.push_back(n);
    }
    return Response::json(200, {{"nodes", nodes}});
  });

  router.add("POST", "/api/admin/sync/clear-stuck", Auth::admin_token, [&node](const Request& q) {
    if (auto refused = refuse_any_body(q)) return *refused;
    auto cleared = node.clear_stuck();
    if (!cleared.ok()) return Response::error(503, cleared.error().message);
    return Response::json(200, {{"cleared", *cleared}});
  });
}

}  // namespace tandem::http
