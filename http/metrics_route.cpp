#include "http/metrics_route.hpp"

#include <array>
#include <map>
#include <sstream>

namespace tandem::http {
namespace {

constexpr std::array<double, 8> kPhaseBuckets{1, 5, 15, 60, 300, 900, 3600, 14400};

// Label values escape backslash, quote and newline (the exposition format's rule).
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') { out += "\\n"; continue; }
    out += c;
  }
  return out;
}

void header(std::ostringstream& o, const char* name, const char* type, const char* help) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string render_metrics(const std::vector<SessionView>& sessions,
                           const std::vector<PeerStatus>& peers,
                           const std::vector<PeriodicStatus>& periodic) {
  std::ostringstream o;
  std::map<std::string, int> by_state;
  for (const char* s : {"queued", "running", "waiting_peer", "cancelling", "succeeded", "failed", "cancelled"})
    by_state[s] = 0;
  std::uint64_t bytes = 0, rows = 0;
  std::map<std::string, std::array<std::uint64_t, kPhaseBuckets.size() + 1>> hist;
  std::map<std::string, double> hist_sum;
  std::map<std::string, std::uint64_t> hist_count;
  for (const auto& v : sessions) {
    const Session& s = v.session;
    ++by_state[to_string(s.state)];
    bytes += s.progress(Phase::transfer).bytes_done;
    rows += s.progress(Phase::restore).rows_done;
    for (int i = 0; i < kPhaseCount; ++i) {
      const auto& p = s.phases[i];
      if (!p.started_at || !p.finished_at) continue;
      std::string phase = to_string(static_cast<Phase>(i));
      double secs = (p.finished_at - p.started_at) / 1000.0;
      auto& h = hist[phase];
      for (std::size_t b = 0; b < kPhaseBuckets.size(); ++b)
        if (secs <= kPhaseBuckets[b]) ++h[b];
      ++h[kPhaseBuckets.size()];
      hist_sum[phase] += secs;
      ++hist_count[phase];
    }
  }
  header(o, "tandem_full_sync_sessions", "gauge", "Full-sync sessions in the recent history, by state.");
  for (const auto& [state, n] : by_state) o << "tandem_full_sync_sessions{state=\"" << state << "\"} " << n << '\n';
  header(o, "tandem_full_sync_bytes", "gauge", "Bytes moved by the transfer phase of recent sessions.");
  o << "tandem_full_sync_bytes " << bytes << '\n';
  header(o, "tandem_full_sync_rows", "gauge", "Rows written by the restore phase of recent sessions.");
  o << "tandem_full_sync_rows " << rows << '\n';
  header(o, "tandem_full_sync_phase_seconds", "histogram", "Duration of finished phases.");
  for (const auto& [phase, h] : hist) {
    for (std::size_t b = 0; b < kPhaseBuckets.size(); ++b)
      o << "tandem_full_sync_phase_seconds_bucket{phase=\"" << phase << "\",le=\"" << kPhaseBuckets[b]
        << "\"} " << h[b] << '\n';
    o << "tandem_full_sync_phase_seconds_bucket{phase=\"" << phase << "\",le=\"+Inf\"} "
      << h[kPhaseBuckets.size()] << '\n';
    o << "tandem_full_sync_phase_seconds_sum{phase=\"" << phase << "\"} " << hist_sum[phase] << '\n';
    o << "tandem_full_sync_phase_seconds_count{phase=\"" << phase << "\"} " << hist_count[phase] << '\n';
  }
  header(o, "tandem_full_sync_transfer_speed_bytes", "gauge", "Smoothed speed of running sessions.");
  for (const auto& v : sessions)
    if (v.live)
      o << "tandem_full_sync_transfer_speed_bytes{session=\"" << label(v.session.id) << "\"} "
        << v.transfer_speed_bps << '\n';
  header(o, "tandem_peer_up", "gauge", "1 when the peer link is connected and authenticated.");
  for (const auto& p : peers)
    if (!p.local) o << "tandem_peer_up{peer=\"" << label(p.id) << "\"} " << (p.reachable ? 1 : 0) << '\n';
  header(o, "tandem_periodic_lag_seconds", "gauge", "Commit on the peer to applied here, newest batch.");
  for (const auto& p : periodic) o << "tandem_periodic_lag_seconds{peer=\"" << label(p.peer) << "\"} " << p.lag_s << '\n';
  header(o, "tandem_periodic_pending", "gauge", "This node's changes the peer has not fetched yet.");
  for (const auto& p : periodic)
    if (p.pending) o << "tandem_periodic_pending{peer=\"" << label(p.peer) << "\"} " << *p.pending << '\n';
  header(o, "tandem_periodic_applied_total", "counter", "Peer changes applied here since start.");
  for (const auto& p : periodic) o << "tandem_periodic_applied_total{peer=\"" << label(p.peer) << "\"} " << p.applied << '\n';
  header(o, "tandem_periodic_conflicts_total", "counter", "Conflicts resolved since start.");
  for (const auto& p : periodic) o << "tandem_periodic_conflicts_total{peer=\"" << label(p.peer) << "\"} " << p.conflicts << '\n';
  header(o, "tandem_periodic_quarantined_total", "counter", "Peer changes that failed to apply here, since start.");
  for (const auto& p : periodic)
    o << "tandem_periodic_quarantined_total{peer=\"" << label(p.peer) << "\"} " << p.quarantined << '\n';
  header(o, "tandem_periodic_quarantine_held", "gauge", "Quarantined changes waiting for an admin (retry or discard).");
  for (const auto& p : periodic)
    if (p.quarantine_held)
      o << "tandem_periodic_quarantine_held{peer=\"" << label(p.peer) << "\"} " << *p.quarantine_held << '\n';
  return o.str();
}

void add_metrics_route(Router& router, NodeApi& node) {
  router.add("GET", "/metrics", Auth::admin_token, [&node](const Request&) {
    auto sessions = node.sessions(1000);
    auto peers = node.peers();
    auto periodic = node.periodic();
    if (!sessions.ok()) return Response::error(503, sessions.error().message);
    std::string text = render_metrics(*sessions, peers.ok() ? *peers : std::vector<PeerStatus>{},
                                      periodic.ok() ? *periodic : std::vector<PeriodicStatus>{});
    return Response::text(200, std::move(text), "text/plain; version=0.0.4");
  });
}

}  // namespace tandem::http
