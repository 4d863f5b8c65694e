// GET /metrics: Prometheus text exposition (version 0.0.4) of what an operator graphs and
// alerts on: sessions by state, bytes and rows moved, phase durations, live transfer
// speed, peer links, periodic sync per peer. Computed from the node's views on each
// scrape (the recent history window is the last 1,000 sessions).
#pragma once

#include "actors/node_api.hpp"
#include "http/router.hpp"

namespace tandem::http {

void add_metrics_route(Router& router, NodeApi& node);

// The exposition text (exposed for tests).
std::string render_metrics(const std::vector<SessionView>& sessions,
                           const std::vector<PeerStatus>& peers,
                           const std::vector<PeriodicStatus>& periodic);

}  // namespace tandem::http
