#include "persistence/dataplane/activity_watch.hpp"

#include <optional>

#include "base/thread_name.hpp"

namespace tandem {

ActivityWatch::ActivityWatch(std::string conninfo, std::chrono::milliseconds every, Report report,
                             std::string purpose)
    : conninfo_(std::move(conninfo)), purpose_(std::move(purpose)), every_(every), report_(std::move(report)) {
  thread_ = std::thread([this] { run(); });
}

ActivityWatch::~ActivityWatch() {
  stop();
  thread_.join();
}

void ActivityWatch::stop() {
  std::lock_guard<std::mutex> lock(mutex_);
  stopped_ = true;
  wake_.notify_all();
}

void ActivityWatch::run() {
  name_this_thread("tandem.watch");
  std::optional<pg::Connection> conn;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, every_, [this] { return stopped_; })) {
    lock.unlock();  // the look itself must not hold up stop()
    if (conn && PQstatus(conn->raw()) != CONNECTION_OK) conn.reset();
    if (!conn) {
      auto opened = pg::Connection::open(conninfo_, "tandemd-watch");
      if (opened.ok()) conn = std::move(*opened);
    }
    BackendActivity seen;
    if (conn) {
      auto backends = data_plane_backends(*conn, purpose_);
      if (backends.ok()) seen = classify(*backends);
      else conn.reset();
    }
    lock.lock();
    if (!stopped_) report_(seen);
  }
}

}  // namespace tandem
