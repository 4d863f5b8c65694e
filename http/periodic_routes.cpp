#include "http/periodic_routes.hpp"

#include "http/api_views.hpp"
#include "http/request_body.hpp"

namespace tandem::http {

using nlohmann::json;

void add_periodic_routes(Router& router, NodeApi& node) {
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
