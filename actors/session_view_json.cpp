#include "actors/session_view_json.hpp"

#include "statemachine/session_json.hpp"

namespace tandem {

nlohmann::json view_to_json(const SessionView& v) {
  return {{"session", session_to_json(v.session)},
          {"transfer_speed_bps", v.transfer_speed_bps},
          {"eta_s", v.eta_s},
          {"stalled", v.stalled},
          {"blocked_by", v.blocked_by},
          {"working_on", v.working_on},
          {"live", v.live}};
}

Result<SessionView> view_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("session")) return make_error("bad_view", "no session");
  auto s = session_from_json(j.at("session"));
  if (!s.ok()) return s.error();
  SessionView v;
  v.session = *s;
  v.transfer_speed_bps = j.value("transfer_speed_bps", 0.0);
  v.eta_s = j.value("eta_s", std::int64_t{-1});
  v.stalled = j.value("stalled", false);
  v.blocked_by = j.value("blocked_by", "");
  v.working_on = j.value("working_on", "");
  v.live = j.value("live", false);
  return v;
}

}  // namespace tandem
