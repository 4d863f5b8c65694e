#include "http/periodic_routes.hpp"

#include "http/api_views.hpp"
#include "http/request_body.hpp"

namespace tandem::http {

using nlohmann::json;

namespace {

// A stored JSON text (a key or a row) as JSON; null when absent.
json stored_json(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = json::parse(text, nullptr, false);
  return j.is_discarded() ? json(text) : j;
}

json conflict_json(const ConflictRecord& c) {
  auto version = [](const std::string& origin, TimeMs at, const std::string& row) {
    return json{{"origin", origin}, {"changedAt", iso_time(at)}, {"row", stored_json(row)}};
  };
  return {{"id", c.id},
          {"table", c.table},
          {"key", stored_json(c.key)},
          {"winner", c.winner},
          {"policy", c.policy},
          {"local", version(c.local_origin, c.local_changed_at, c.local_row)},
          {"remote", version(c.remote_origin, c.remote_changed_at, c.remote_row)},
          {"resolvedAt", iso_time(c.resolved_at)}};
}

}  // namespace

void add_periodic_routes(Router& router, NodeApi& node, const Config& config) {
  // What was decided for each conflict (SPEC: every conflict is recorded and shown).
  router.add("GET", "/api/admin/sync/periodic/conflicts", Auth::admin_token, [&node, &config](const Request& q) {
    if (auto refused = refuse_unknown_query(q, {"peer", "limit"})) return *refused;
    std::optional<Response> refused;
    const std::size_t limit = query_limit(q, 50, 1000, refused);
    if (refused) return *refused;
    std::string peer;
    if (auto it = q.query.find("peer"); it != q.query.end()) {
      peer = it->second;
      if (!config.find_peer(peer)) return Response::error(404, "unknown peer " + peer.substr(0, 64), "peer");
    }
    auto list = node.periodic_conflicts(peer, limit);
    if (!list.ok()) return Response::error(503, list.error().message);
    json out = json::array();
    for (const auto& c : *list) out.push_back(conflict_json(c));
    return Response::json(200, {{"conflicts", out}});
  });

  router.add("GET", "/api/admin/sync/periodic", Auth::admin_token, [&node](const Request&) {
    auto peers = node.periodic();
    if (!peers.ok()) return Response::error(503, peers.error().message);
    json out = json::array();
    for (const auto& p : *peers)
      out.push_back({{"peer", p.peer},
                     {"name", p.name},
                     {"state", p.state},
                     {"lastRoundAt", iso_time(p.last_round_at)},
                     {"lagSeconds", p.lag_s},
                     {"pending", p.pending ? json(*p.pending) : json(nullptr)},
                     {"applied", p.applied},
                     {"conflicts", p.conflicts},
                     {"quarantined", p.quarantined},
                     {"blockedBy", p.blocked_by.empty() ? json(nullptr) : json(p.blocked_by)},
                     {"lastError", p.last_error.empty() ? json(nullptr) : json(p.last_error)}});
    return Response::json(200, {{"peers", out}});
  });
  for (bool pause : {true, false}) {
    router.add("POST", pause ? "/api/admin/sync/periodic/pause" : "/api/admin/sync/periodic/resume",
               Auth::admin_token, [&node, pause](const Request& q) {
                 if (auto refused = refuse_any_body(q)) return *refused;
                 auto st = node.set_periodic_paused(pause);
                 if (!st.ok()) return Response::error(503, st.error().message);
                 return Response::json(200, {{"success", true},
                                             {"state", pause ? "paused" : "resumed"}});
               });
  }
}

}  // namespace tandem::http
