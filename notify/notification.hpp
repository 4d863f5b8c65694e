// What a node tells its admins when its copy of a full-sync session ends: one value built
// from the Session, rendered as a webhook's JSON body and as an e-mail's subject and text.
// Pure: no I/O, no clocks (the times come from the session).
//
// The JSON body is a frozen format (receivers parse it): fields are added, never renamed.
//   {"event": "full_sync.succeeded" | "full_sync.failed" | "full_sync.cancelled",
//    "sessionId", "direction", "source", "target", "state", "phase",
//    "error" (null unless failed/cancelled with a reason),
//    "startedAt", "finishedAt" (ISO-8601 UTC, null when unknown),
//    "bytes" (bytes transferred), "rows" (rows in the source's backup),
//    "node" (the node that sends the notification)}
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>

#include "base/result.hpp"
#include "statemachine/session.hpp"

namespace tandem {

struct Notification {
  std::string event;    // "full_sync.succeeded", ...
  nlohmann::json body;  // the webhook's JSON body (see above)
  std::string subject;  // the e-mail's subject line
  std::string text;     // the e-mail's plain-text body
};

// "full_sync.succeeded" / "full_sync.failed" / "full_sync.cancelled"; nullptr for a state
// that is not terminal.
const char* notification_event(State outcome);

// Node id -> the name admins know it by ("b" -> "Server B"), from the config.
using NodeNames = std::map<std::string, std::string>;

// The notification `node_id` sends for `s`, naming nodes as `names` does (ids without a
// name stay ids). Error "not_terminal" for a session that has not ended: only an ended
// session is news.
Result<Notification> make_notification(const Session& s, const std::string& node_id,
                                       const NodeNames& names = {});

// "2026-11-25T12:00:00.123Z"; empty for 0 (unknown).
std::string iso_utc(TimeMs ms);

}  // namespace tandem
