#include "persistence/dataplane/staging_loader.hpp"

#include <algorithm>

#include "base/thread_name.hpp"
#include "persistence/dataplane/chunk_copy.hpp"
#include "persistence/dataplane/session_settings.hpp"

namespace tandem {

StagingLoader::StagingLoader(const Manifest& manifest, const RestorePlan& plan, const Spool& spool,
                             ChunkFn after_chunk)
    : m_(manifest), plan_(plan), spool_(spool), after_chunk_(std::move(after_chunk)),
      ready_(plan.tables.size(), false) {}

StagingLoader::~StagingLoader() { stop(); }

Status StagingLoader::start(const std::string& conninfo, std::vector<std::size_t> tables) {
  tables_ = std::move(tables);
  const std::size_t n = std::min<std::size_t>(kConnections, tables_.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto conn = open_data_plane_connection(conninfo, "restore staging");
    if (!conn.ok()) return conn.error();
    // client_min_messages: "table … does not exist, skipping" is not news for a log.
    if (auto s = conn->exec("SET client_min_messages = warning"); !s.ok()) return s;
    // Once, before the loads: two transactions creating it at once, IF NOT EXISTS or
    // not, collide on the catalog's unique index.
    if (i == 0)
      if (auto s = conn->exec("CREATE SCHEMA IF NOT EXISTS " + conn->quote_ident(kStagingSchema)); !s.ok())
        return s;
    workers_.push_back(std::make_unique<Worker>(Worker{std::move(*conn), spool_, {}}));
  }
  // For the whole run, so a cancel interrupts whichever statements run.
  interrupt_ = std::make_unique<CancelToken::Interrupt>(cancel_, [this] {
    for (auto& w : workers_) w->conn.cancel();
  });
  for (auto& w : workers_) w->thread = std::thread([this, &w = *w] { run(w); });
  return ok_status();
}

Status StagingLoader::wait_for(std::size_t i) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return ready_.at(i) || error_.has_value(); });
  if (ready_[i]) return ok_status();
  return *error_;
}

std::size_t StagingLoader::failing_table() {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_table_;
}

void StagingLoader::stop() {
  cancel_.cancel();
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

void StagingLoader::run(Worker& w) {
  name_this_thread("tandem.staging");
  for (;;) {
    std::size_t i;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (error_ || next_ == tables_.size()) return;
      i = tables_[next_++];
    }
    Status s = cancel_.cancelled() ? Status(cancelled_error("restore")) : load(w, plan_.tables.at(i));
    // Before the lock: waiters need not wait for it. Only inside a transaction (a load
    // cancelled before its BEGIN has none, and the server would warn).
    if (!s.ok() && PQtransactionStatus(w.conn.raw()) != PQTRANS_IDLE) (void)w.conn.exec("ROLLBACK");
    std::lock_guard<std::mutex> lock(mutex_);
    if (!s.ok()) {
      if (!error_) {
        error_ = s.error();
        error_table_ = i;
      }
      changed_.notify_all();
      return;
    }
    ready_[i] = true;
    changed_.notify_all();
  }
}

// One table, one transaction: the staging table is either complete and committed, or
// not there.
Status StagingLoader::load(Worker& w, const TablePlan& p) {
  std::string begin = std::string("BEGIN; ") + kRestoreSettings + " " + p.drop_staging + "; " + p.create_staging;
  if (auto s = w.conn.exec(begin); !s.ok()) return s;
  auto after_chunk = [&](const ChunkInfo& c) {
    if (after_chunk_) after_chunk_(p, c);
  };
  if (auto s = copy_chunks_in(w.conn, p.copy_into_staging, m_, m_.tables[p.manifest_table], w.spool,
                              after_chunk, cancel_);
      !s.ok())
    return s;
  return w.conn.exec(p.analyze_staging + "; COMMIT");
}

}  // namespace tandem
