#include "http/api_routes.hpp"

#include "http/event_routes.hpp"
#include "http/full_sync_routes.hpp"
#include "http/metrics_route.hpp"
#include "http/peer_routes.hpp"
#include "http/periodic_routes.hpp"
#include "http/ui_routes.hpp"

namespace tandem::http {

void add_api_routes(Router& router, NodeApi& node, const Config& config, HealthInfo health) {
  add_health_routes(router, std::move(health));
  add_full_sync_routes(router, node, config);
  add_periodic_routes(router, node, config);
  add_peer_routes(router, node, config);
  add_event_routes(router, node, config.node.id);
  add_metrics_route(router, node);
  add_ui_routes(router);
}

}  // namespace tandem::http
