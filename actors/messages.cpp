#include "actors/messages.hpp"

#include <caf/actor_system_config.hpp>

namespace tandem {

void register_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<peer_challenge>("tandem::peer_challenge");
  cfg.add_message_type<peer_reply>("tandem::peer_reply");
  cfg.add_message_type<backup_status>("tandem::backup_status");
  cfg.add_message_type<chunk_reply>("tandem::chunk_reply");
  cfg.add_message_type<worker_report>("tandem::worker_report");
}

}  // namespace tandem
