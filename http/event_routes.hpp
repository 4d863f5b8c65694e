// GET /api/admin/sync/events: Server-Sent Events of every session's progress and state,
// for the panel and tandemctl. Events: "hello" once ({node}); "progress" (the
// backup-progress shape) whenever a session's figures change; "state" (a sessions-list
// row) whenever a session's state changes. A comment line every 15 s keeps proxies from
// closing an idle stream. Each stream holds one server thread while it is open.
#pragma once

#include "actors/node_api.hpp"
#include "http/router.hpp"

namespace tandem::http {

void add_event_routes(Router& router, NodeApi& node, std::string node_id);

}  // namespace tandem::http
