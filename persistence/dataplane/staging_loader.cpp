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
    // load() rolls back what it began before the lock, so waiters need not wait for it.
    Status s = cancel_.cancelled() ? Status(cancelled_error("restore")) : load(w, plan_.tables.at(i));
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
Status stage_table(pg::Connection& conn, const Manifest& m, const TablePlan& p, const Spool& spool,
                   const std::function<void(const ChunkInfo&)>& after_chunk, const CancelToken& cancel) {
  std::string begin = std::string("BEGIN; ") + kRestoreSettings + " " + p.drop_staging + "; " + p.create_staging;
  Status s = conn.exec(begin);
  if (s.ok()) s = copy_chunks_in(conn, p.copy_into_staging, m, m.tables.at(p.manifest_table), spool,
                                 after_chunk, cancel);
  if (s.ok()) s = conn.exec(p.analyze_staging + "; COMMIT");
  // Only inside a transaction (the server would warn otherwise).
  if (!s.ok() && PQtransactionStatus(conn.raw()) != PQTRANS_IDLE) (void)conn.exec("ROLLBACK");
  return s;
}

Status StagingLoader::load(Worker& w, const TablePlan& p) {
  return stage_table(w.conn, m_, p, w.spool, [&](const ChunkInfo& c) {
    if (after_chunk_) after_chunk_(p, c);
  }, cancel_);
}

}  // namespace tandem
