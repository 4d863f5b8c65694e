// Periodic sync's part of the API: status per peer, pause, resume.
#pragma once

#include "actors/node_api.hpp"
#include "http/router.hpp"

namespace tandem::http {

void add_periodic_routes(Router& router, NodeApi& node);

}  // namespace tandem::http
