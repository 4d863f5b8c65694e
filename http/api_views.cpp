#include "http/api_views.hpp"

#include <ctime>

#include "base/iso_time.hpp"
#include "statemachine/progress.hpp"

namespace tandem::http {

using nlohmann::json;

const char* api_state(State s) {
  switch (s) {
    case State::queued: return "queued";
    case State::running:
    case State::waiting_peer:
    case State::cancelling: return "running";
    case State::succeeded: return "succeeded";
    case State::failed: return "failed";
    case State::cancelled: return "cancelled";
  }
  return "running";
}

json iso_time(TimeMs ms) {
  if (ms <= 0) return nullptr;
  return iso_utc_ms(ms);
}

namespace {

// "Step 4 of 5: Restoring… (public.orders)": the step, and the table it is at.
std::string current_step(const SessionView& v) {
  std::string text = step_text(v.session);
  if (v.session.state == State::running && !v.working_on.empty()) text += " (" + v.working_on + ")";
  return text;
}

// Bytes/s of the transfer: live while it runs, its average once it finished (the plan's
// transferSpeed column); null before it starts.
json transfer_speed(const SessionView& v) {
  const Session& s = v.session;
  const auto& t = s.progress(Phase::transfer);
  if (s.phase == Phase::transfer && !is_terminal(s.state) && v.transfer_speed_bps > 0) return v.transfer_speed_bps;
  if (t.started_at > 0 && t.finished_at > t.started_at)
    return static_cast<double>(t.bytes_done) * 1000.0 / static_cast<double>(t.finished_at - t.started_at);
  return nullptr;
}

}  // namespace

json progress_json(const SessionView& v) {
  const Session& s = v.session;
  const auto& p = s.progress(s.phase);
  return {{"sessionId", s.id},
          {"phase", to_string(s.phase)},
          {"step", step_number(s)},
          {"totalSteps", total_steps(s.options)},
          {"progress", session_percent(s)},
          {"bytesTransferred", p.bytes_done},
          {"totalBytes", p.bytes_total},
          {"transferSpeed", v.transfer_speed_bps},
          // Unknown (null) while no rate is known; nothing remains once it succeeded.
          {"estimatedTimeRemaining", v.eta_s >= 0 ? json(v.eta_s)
                                     : s.state == State::succeeded ? json(0) : json(nullptr)},
          {"currentStep", current_step(v)},
          {"subStep", v.working_on.empty() ? json(nullptr) : json(v.working_on)},
          {"state", api_state(s.state)},
          {"detailedState", to_string(s.state)},
          {"direction", to_string(s.direction)},
          {"source", s.source},
          {"target", s.target},
          {"stalled", v.stalled},
          {"blockedBy", v.blocked_by.empty() ? json(nullptr) : json(v.blocked_by)},
          {"error", s.last_error.empty() ? json(nullptr) : json(s.last_error)}};
}

json session_summary_json(const SessionView& v) {
  const Session& s = v.session;
  const auto& backup = s.progress(Phase::backup);
  const auto& transfer = s.progress(Phase::transfer);
  return {{"id", s.id},
          {"direction", to_string(s.direction)},
          {"source", s.source},
          {"target", s.target},
          {"initiator", s.initiator},
          {"state", api_state(s.state)},
          {"phase", to_string(s.phase)},
          {"startedAt", iso_time(s.created_at)},
          {"finishedAt", iso_time(s.finished_at)},
          {"bytes", transfer.bytes_done ? transfer.bytes_done : backup.bytes_done},
          {"rows", backup.rows_done},
          {"transferSpeed", transfer_speed(v)},
          {"stalled", v.stalled},
          {"blockedBy", v.blocked_by.empty() ? json(nullptr) : json(v.blocked_by)},
          {"error", s.last_error.empty() ? json(nullptr) : json(s.last_error)}};
}

json session_detail_json(const SessionView& v) {
  json out = session_summary_json(v);
  const Session& s = v.session;
  json phases = json::array();
  for (int i = 0; i < kPhaseCount; ++i) {
    Phase ph = static_cast<Phase>(i);
    if (!phase_enabled(ph, s.options)) continue;
    const auto& p = s.progress(ph);
    phases.push_back({{"phase", to_string(ph)},
                      {"bytesDone", p.bytes_done},
                      {"bytesTotal", p.bytes_total},
                      {"rowsDone", p.rows_done},
                      {"rowsTotal", p.rows_total},
                      {"checkpoint", p.checkpoint},
                      {"startedAt", iso_time(p.started_at)},
                      {"finishedAt", iso_time(p.finished_at)}});
  }
  out["phases"] = phases;
  out["progress"] = progress_json(v);
  out["options"] = {{"compressionEnabled", s.options.compression},
                    {"verifyAfterSync", s.options.verify},
                    {"mode", to_string(s.options.mode)},
                    {"method", to_string(s.options.method)},
                    {"bandwidthLimitMBps", s.options.bandwidth_limit_mbps}};
  out["attempt"] = s.attempt;
  out["cancelReason"] = s.cancel_reason.empty() ? json(nullptr) : json(s.cancel_reason);
  return out;
}

}  // namespace tandem::http
