// Encoding of one outbox entry (see outbox_entry.hpp).
#include "notify/outbox_entry.hpp"

#include <cctype>
#include <cstdio>

namespace tandem {
namespace {

constexpr int kFormat = 1;

std::string escape(const std::string& part) {
  std::string out;
  for (unsigned char c : part) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == '-') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

Error corrupt(const std::string& field, const std::string& what) {
  return make_error("outbox_corrupt", "outbox entry: " + what, field);
}

// The string at `field`, required non-empty unless `may_be_empty`.
Result<std::string> string_at(const nlohmann::json& j, const char* field,
                              bool may_be_empty = false) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) return corrupt(field, "missing or not a string");
  auto s = it->get<std::string>();
  if (s.empty() && !may_be_empty) return corrupt(field, "is empty");
  return s;
}

}  // namespace

std::string outbox_key(const std::string& session_id, const std::string& event,
                       const std::string& channel) {
  return escape(session_id) + "+" + escape(event) + "+" + escape(channel);
}

std::string OutboxEntry::key() const {
  return outbox_key(session_id, notification.event, channel);
}

nlohmann::json outbox_entry_to_json(const OutboxEntry& e) {
  return {{"format", kFormat},
          {"sessionId", e.session_id},
          {"event", e.notification.event},
          {"channel", e.channel},
          {"tries", e.tries},
          {"body", e.notification.body},
          {"subject", e.notification.subject},
          {"text", e.notification.text}};
}

Result<OutboxEntry> outbox_entry_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return corrupt("", "not a JSON object");
  auto format = j.find("format");
  if (format == j.end() || !format->is_number_integer() || format->get<int>() != kFormat)
    return corrupt("format", "missing or not " + std::to_string(kFormat));
  OutboxEntry e;
  auto session = string_at(j, "sessionId");
  auto event = string_at(j, "event");
  auto channel = string_at(j, "channel");
  auto subject = string_at(j, "subject", true);
  auto text = string_at(j, "text", true);
  for (const auto* r : {&session, &event, &channel, &subject, &text})
    if (!r->ok()) return r->error();
  auto tries = j.find("tries");
  if (tries == j.end() || !tries->is_number_integer() || tries->get<long long>() < 0 ||
      tries->get<long long>() > 1'000'000)
    return corrupt("tries", "missing or not a small non-negative integer");
  auto body = j.find("body");
  if (body == j.end() || !body->is_object()) return corrupt("body", "missing or not an object");
  e.session_id = *session;
  e.channel = *channel;
  e.tries = tries->get<int>();
  e.notification.event = *event;
  e.notification.body = *body;
  e.notification.subject = *subject;
  e.notification.text = *text;
  return e;
}

}  // namespace tandem
