#include "http/health_routes.hpp"

namespace tandem::http {

void add_health_routes(Router& router, HealthInfo info) {
  router.add("GET", "/healthz", Auth::none, [info](const Request&) {
    return Response::json(200, {{"status", "ok"}, {"node", info.node_id},
                                {"version", info.version}});
  });
}

}  // namespace tandem::http
