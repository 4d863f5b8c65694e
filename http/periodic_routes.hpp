// Periodic sync's part of the API: status per peer, pause, resume, recorded conflicts.
#pragma once

#include "actors/node_api.hpp"
#include "http/router.hpp"

namespace tandem::http {

void add_periodic_routes(Router& router, NodeApi& node, const Config& config);

}  // namespace tandem::http
