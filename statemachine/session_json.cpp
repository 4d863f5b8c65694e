#include "statemachine/session_json.hpp"

#include <limits>

#include "base/json_reader.hpp"

namespace tandem {
namespace {

using nlohmann::json;
constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

json phase_json(const PhaseProgress& p) {
  return {{"bytes_done", p.bytes_done},   {"bytes_total", p.bytes_total},
          {"rows_done", p.rows_done},     {"rows_total", p.rows_total},
          {"checkpoint", p.checkpoint},   {"checkpoint_note", p.checkpoint_note},
          {"started_at", p.started_at},   {"finished_at", p.finished_at}};
}

std::uint64_t u64(ObjectReader& r, const char* key) {
  return r.unsigned_integer(key, Need::required).value_or(0);
}
std::int64_t i64(ObjectReader& r, const char* key) {
  return r.integer(key, Need::required, 0, kMaxI64).value_or(0);
}

template <class E>
E enum_field(ObjectReader& r, const char* key, std::optional<E> (*parse)(const std::string&),
             JsonErrors& errs) {
  auto text = r.string(key, Need::required);
  if (!text) return E{};
  auto v = parse(*text);
  if (!v) errs.add(r.path_of(key), "unknown value \"" + *text + "\"");
  return v.value_or(E{});
}

}  // namespace

json session_to_json(const Session& s) {
  json phases = json::object();
  for (int i = 0; i < kPhaseCount; ++i)
    phases[to_string(static_cast<Phase>(i))] = phase_json(s.phases[i]);
  return {{"id", s.id},
          {"direction", to_string(s.direction)},
          {"source", s.source},
          {"target", s.target},
          {"initiator", s.initiator},
          {"options", {{"compression", s.options.compression},
                       {"verify", s.options.verify},
                       {"mode", to_string(s.options.mode)},
                       {"method", to_string(s.options.method)},
                       {"bandwidth_limit_mbps", s.options.bandwidth_limit_mbps}}},
          {"state", to_string(s.state)},
          {"phase", to_string(s.phase)},
          {"phases", phases},
          {"created_at", s.created_at},
          {"updated_at", s.updated_at},
          {"finished_at", s.finished_at},
          {"last_progress_at", s.last_progress_at},
          {"attempt", s.attempt},
          {"peer_retries", s.peer_retries},
          {"last_error", s.last_error},
          {"cancel_reason", s.cancel_reason}};
}

Result<Session> session_from_json(const json& j) {
  JsonErrors errs;
  Session s;
  ObjectReader r(j, "session", errs);
  s.id = r.string("id", Need::required).value_or("");
  s.direction = enum_field<Direction>(r, "direction", parse_direction, errs);
  s.source = r.string("source", Need::required).value_or("");
  s.target = r.string("target", Need::required).value_or("");
  s.initiator = r.string("initiator", Need::required).value_or("");
  if (const json* o = r.object("options", Need::required)) {
    ObjectReader ro(*o, "session.options", errs);
    s.options.compression = ro.boolean("compression", Need::required).value_or(true);
    s.options.verify = ro.boolean("verify", Need::required).value_or(true);
    s.options.mode = enum_field<SyncMode>(ro, "mode", parse_sync_mode, errs);
    s.options.method = enum_field<TransportMethod>(ro, "method", parse_transport_method, errs);
    s.options.bandwidth_limit_mbps =
        ro.number("bandwidth_limit_mbps", Need::required, 0, 1e9).value_or(0);
    ro.finish();
  }
  s.state = enum_field<State>(r, "state", parse_state, errs);
  s.phase = enum_field<Phase>(r, "phase", parse_phase, errs);
  if (const json* ph = r.object("phases", Need::required)) {
    ObjectReader rp(*ph, "session.phases", errs);
    for (int i = 0; i < kPhaseCount; ++i) {
      const char* name = to_string(static_cast<Phase>(i));
      const json* one = rp.object(name, Need::required);
      if (!one) continue;
      ObjectReader q(*one, std::string("session.phases.") + name, errs);
      auto& p = s.phases[i];
      p.bytes_done = u64(q, "bytes_done");
      p.bytes_total = u64(q, "bytes_total");
      p.rows_done = u64(q, "rows_done");
      p.rows_total = u64(q, "rows_total");
      p.checkpoint = u64(q, "checkpoint");
      p.checkpoint_note = q.string("checkpoint_note", Need::required, 1 << 20).value_or("");
      p.started_at = i64(q, "started_at");
      p.finished_at = i64(q, "finished_at");
      q.finish();
    }
    rp.finish();
  }
  s.created_at = i64(r, "created_at");
  s.updated_at = i64(r, "updated_at");
  s.finished_at = i64(r, "finished_at");
  s.last_progress_at = i64(r, "last_progress_at");
  s.attempt = static_cast<std::uint32_t>(r.integer("attempt", Need::required, 0, 1u << 31).value_or(1));
  s.peer_retries =
      static_cast<std::uint32_t>(r.integer("peer_retries", Need::required, 0, 1u << 31).value_or(0));
  s.last_error = r.string("last_error", Need::required, 1 << 16).value_or("");
  s.cancel_reason = r.string("cancel_reason", Need::required, 1 << 16).value_or("");
  r.finish();
  if (!errs.empty()) return errs.to_error("bad_session");
  return s;
}

}  // namespace tandem
