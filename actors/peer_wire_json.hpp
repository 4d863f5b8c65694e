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

// The backup request's body: the target's session as JSON and, before the backup starts,
// its range probe under "rangeProbe" (dataplane/range_probe.hpp: the source answers with
// its verdict, state "probed", and does not start the backup yet) or, in the request
// that starts it, its range digest (range_digest.hpp) under "rangeDigest" ("" none).
std::string backup_request_body(const std::string& session_json, const std::string& digest_json,
                                const std::string& probe_json = "");
struct BackupRequestBody {
  std::string session_json;  // without "rangeDigest" and "rangeProbe"
  std::string digest_json;   // "" when the request carries none
  std::string probe_json;    // "" when the request carries none
};
BackupRequestBody split_backup_request(const std::string& body);

std::string backup_status_to_json(const backup_status& b);
Result<backup_status> backup_status_from_json(const std::string& text);

}  // namespace tandem
