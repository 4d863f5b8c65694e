// Periodic sync's actors (internal to actors/):
//   change_server  one per node, detached: installs capture, serves batches to peers
//   periodic_sync  one per peer: every interval fetches the peer's changes after this
//                  node's cursor and has them applied; pauses during a full sync with
//                  that peer and when an admin pauses it
//   applier        one per peer, detached: applies batches in one transaction each
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/node_context.hpp"

namespace tandem {

caf::actor spawn_change_server(caf::actor_system& sys, NodeContextPtr ctx);
caf::actor spawn_periodic_sync(caf::actor_system& sys, NodeContextPtr ctx, PeerConfig peer,
                               caf::actor link, caf::actor manager);

}  // namespace tandem
