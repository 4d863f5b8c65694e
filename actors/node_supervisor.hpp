// The root of a node's actors (see node_supervisor.cpp). Internal to actors/.
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/node_context.hpp"

namespace tandem {

caf::actor spawn_node_supervisor(caf::actor_system& sys, NodeContextPtr ctx);

}  // namespace tandem
