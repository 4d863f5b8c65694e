// The peer requests' answers (actors/messages.hpp) as JSON, for the HTTP fallback
// transport: the serving node writes them (node.cpp), the asking node reads them back
// (http_peer.cpp) into the very structs the actor link delivers, so the jobs cannot
// tell the transports apart.
#pragma once

#include <string>

#include "actors/messages.hpp"
#include "base/result.hpp"

namespace tandem {

std::string peer_reply_to_json(const peer_reply& r);
Result<peer_reply> peer_reply_from_json(const std::string& text);

std::string backup_status_to_json(const backup_status& b);
Result<backup_status> backup_status_from_json(const std::string& text);

}  // namespace tandem
