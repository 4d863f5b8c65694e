// GET /healthz: unauthenticated liveness for load balancers and the demo script.
#pragma once

#include <string>

#include "http/router.hpp"

namespace tandem::http {

struct HealthInfo {
  std::string node_id;
  std::string version;
};

void add_health_routes(Router& router, HealthInfo info);

}  // namespace tandem::http
