// One notification waiting in the outbox: an ended session's notification and the
// channel it still has to go through, with the tries spent on it so far. Encoded as one
// small JSON file; the encoding sits here, the directory's rules in outbox.hpp.
//
// File format (frozen; fields are added, never renamed):
//   {"format": 1, "sessionId": "fs-…", "event": "full_sync.failed", "channel": "webhook",
//    "tries": 2, "body": {…the webhook's JSON body…}, "subject": "…", "text": "…"}
// The whole notification is kept, not just the session id: after a restart the session
// may have left the journal's history, and the message must read as it did when the
// session ended. Where it goes (URL, SMTP server) is taken from the config of the day,
// so a corrected webhook URL applies to notifications still waiting.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "base/result.hpp"
#include "notify/notification.hpp"

namespace tandem {

struct OutboxEntry {
  std::string session_id;
  std::string channel;        // "webhook", "email"
  Notification notification;  // its event names the entry too
  int tries = 0;              // failed tries so far (0 before the first)

  // Names the entry: one per (session, event, channel). A file-name stem: characters
  // outside [A-Za-z0-9._-] are %XX-escaped and '+' separates the three parts, so two
  // different triples never share a key.
  std::string key() const;
};

std::string outbox_key(const std::string& session_id, const std::string& event,
                       const std::string& channel);

nlohmann::json outbox_entry_to_json(const OutboxEntry& e);

// Error "outbox_corrupt" naming the first missing or mistyped field.
Result<OutboxEntry> outbox_entry_from_json(const nlohmann::json& j);

}  // namespace tandem
