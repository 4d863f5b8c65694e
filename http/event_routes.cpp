#include "http/event_routes.hpp"

#include <chrono>
#include <map>
#include <thread>

#include "http/api_views.hpp"

namespace tandem::http {

using namespace std::chrono;

void add_event_routes(Router& router, NodeApi& node, std::string node_id) {
  router.add_stream("GET", "/api/admin/sync/events", Auth::admin_token,
                    [&node, node_id](const Request&, EventSink& sink) {
    std::map<std::string, std::string> sent_progress, sent_state;
    if (!sink.send("hello", nlohmann::json{{"node", node_id}}.dump())) return;
    auto next_keepalive = steady_clock::now() + seconds(15);
    while (!sink.stopping()) {
      if (auto list = node.sessions(20); list.ok()) {
        for (const auto& v : *list) {
          const auto& id = v.session.id;
          std::string state = to_string(v.session.state);
          if (sent_state[id] != state) {
            if (!sink.send("state", session_summary_json(v).dump())) return;
            sent_state[id] = state;
          }
          std::string progress = progress_json(v).dump();
          if (sent_progress[id] != progress) {
            if (!sink.send("progress", progress)) return;
            sent_progress[id] = progress;
          }
        }
      }
      if (steady_clock::now() >= next_keepalive) {
        if (!sink.keepalive()) return;
        next_keepalive = steady_clock::now() + seconds(15);
      }
      std::this_thread::sleep_for(milliseconds(250));
    }
  });
}

}  // namespace tandem::http
