// The full-sync part of the API (SPEC.md): start, progress, cancel, history, peers,
// clear-stuck. Each handler parses and validates, asks the node once, renders.
#pragma once

#include "actors/node_api.hpp"
#include "config/config.hpp"
#include "http/router.hpp"

namespace tandem::http {

void add_full_sync_routes(Router& router, NodeApi& node, const Config& config);

}  // namespace tandem::http
