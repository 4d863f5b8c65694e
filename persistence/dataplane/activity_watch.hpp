// ActivityWatch: while a phase runs, looks at the data plane's backends every `every`
// (backend_activity.hpp) on a connection of its own and hands each look's outcome to
// `report`, from its own thread. A look that fails (the server is away) reports idle, so
// an old "working" is not taken as still true; the phase's own connections fail and say why.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "persistence/dataplane/backend_activity.hpp"

namespace tandem {

class ActivityWatch {
 public:
  using Report = std::function<void(const BackendActivity&)>;

  // `purpose`: as data_plane_backends() takes it ("" a full sync's connections).
  ActivityWatch(std::string conninfo, std::chrono::milliseconds every, Report report,
                std::string purpose = {});
  ~ActivityWatch();  // stop(), then waits for a look in flight (one short query)
  ActivityWatch(const ActivityWatch&) = delete;
  ActivityWatch& operator=(const ActivityWatch&) = delete;

  // No report starts after this returns (a report in progress has finished), so a
  // phase's final report cannot be overtaken by a late look.
  void stop();

 private:
  void run();

  const std::string conninfo_;
  const std::string purpose_;
  const std::chrono::milliseconds every_;
  const Report report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace tandem
