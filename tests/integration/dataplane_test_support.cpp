#include "tests/integration/dataplane_test_support.hpp"

#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <stdexcept>

#include "persistence/dataplane/backup.hpp"
#include "persistence/dataplane/range_probe.hpp"
#include "persistence/dataplane/session_settings.hpp"
#include "persistence/dataplane/table_checksum.hpp"

namespace tandem::test {
namespace {

std::string new_session() {
  static std::atomic<unsigned> counter{0};
  char id[32];
  std::snprintf(id, sizeof id, "fs-%08x%08x", static_cast<unsigned>(::getpid()), ++counter);
  return id;
}

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "tandem-spool-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

pg::Connection connect(const std::string& conninfo) {
  auto conn = open_data_plane_connection(conninfo, "test");
  if (!conn.ok()) throw std::runtime_error(conn.error().describe());
  return std::move(*conn);
}

}  // namespace

SyncOutcome full_sync(const PgSandbox& source, const PgSandbox& target, const SyncOptions& o) {
  SyncOutcome out;
  auto failed = [&](const char* phase, const Error& e) {
    out.failed_phase = phase;
    out.error = e;
    return out;
  };
  std::string dir = make_temp_dir();
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  auto spool = Spool::open(dir + "/spool");
  if (!spool.ok()) return failed("backup", spool.error());

  BackupRequest backup;
  if (o.range_diff) {
    CancelToken digest_cancel;
    const auto& target_selection = o.target_differs ? o.target_selection : o.selection;
    if (o.probe_from_rows) {
      auto probe = run_range_probe(target.conninfo(), target_selection, digest_cancel, o.probe_from_rows);
      if (!probe.ok()) return failed("backup", probe.error());
      auto verdict = judge_range_probe(source.conninfo(), o.selection, *probe, digest_cancel);
      if (!verdict.ok()) return failed("backup", verdict.error());
      out.probe_summary = verdict->summary;
      out.digest_left_out = tables_not_worth_digest(*probe, *verdict);
    }
    auto digest = run_digest(target.conninfo(), target_selection, digest_cancel, out.digest_left_out);
    if (!digest.ok()) return failed("backup", digest.error());
    backup.target_digest = std::move(*digest);
  }
  backup.conninfo = source.conninfo();
  backup.selection = o.selection;
  backup.session_id = new_session();
  backup.source_node = "a";
  backup.chunk_bytes = o.chunk_bytes;
  backup.compress = o.compress;
  CancelToken backup_cancel;
  ProgressFn backup_progress = [&](const DataProgress& p) {
    if (o.on_backup_progress) o.on_backup_progress(*spool, p);
  };
  auto manifest = run_backup(backup, *spool, backup_progress, backup_cancel);
  if (!manifest.ok()) return failed("backup", manifest.error());
  out.manifest = *manifest;
  if (o.before_restore) o.before_restore(*spool, out.manifest);

  auto conn = connect(target.conninfo());
  auto plan = plan_restore(conn, out.manifest, o.target_differs ? o.target_selection : o.selection,
                           o.mode);
  if (!plan.ok()) return failed("convert", plan.error());
  out.plan = *plan;

  CancelToken cancel;
  ProgressFn progress = [&](const DataProgress& p) {
    if (o.on_restore_progress) o.on_restore_progress(p, cancel);
  };
  auto stats = run_restore(RestoreRequest{target.conninfo(), "a", {}}, out.manifest, out.plan, *spool,
                           progress, cancel);
  if (!stats.ok()) return failed("restore", stats.error());
  out.stats = *stats;

  if (o.before_verify) o.before_verify();
  CancelToken verify_cancel;
  auto verified = run_verify(target.conninfo(), out.manifest, out.plan, nullptr, verify_cancel);
  if (!verified.ok()) return failed("verify", verified.error());
  if (auto s = drop_staging(conn, out.manifest.session_id); !s.ok()) return failed("verify", s.error());
  return out;
}

std::map<std::string, std::string> table_checksums(const PgSandbox& db) {
  auto conn = connect(db.conninfo());
  pg::TableSelection all;
  all.tables = {"*.*"};
  auto catalog = pg::load_catalog(conn, all);
  if (!catalog.ok()) throw std::runtime_error(catalog.error().describe());
  std::map<std::string, std::string> out;
  for (const auto& t : catalog->tables) {
    std::string from = std::string(t.partitioned ? "" : "ONLY ") +
                       pg::qualified_name(conn, t.schema, t.name) + " t";
    auto sum = run_checksum(conn, checksum_sql(conn, from, "t", hashed_columns(t), "", RowHash::typed));
    if (!sum.ok()) throw std::runtime_error(sum.error().describe());
    out[t.qualified()] = std::to_string(sum->rows) + ":" + sum->sum;
  }
  return out;
}

int staging_table_count(const PgSandbox& db) {
  return std::stoi(db.scalar(
      "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE n.nspname = 'tandem_staging'"));
}

std::unique_ptr<PgSandbox> DataplaneFixture::source_;
std::unique_ptr<PgSandbox> DataplaneFixture::target_;

void DataplaneFixture::SetUpTestSuite() {
  source_ = std::make_unique<PgSandbox>();
  target_ = std::make_unique<PgSandbox>();
}

void DataplaneFixture::TearDownTestSuite() {
  source_.reset();
  target_.reset();
}

void DataplaneFixture::SetUp() {
  both("DROP SCHEMA IF EXISTS public CASCADE; DROP SCHEMA IF EXISTS tandem_staging CASCADE;"
       "DROP SCHEMA IF EXISTS other CASCADE; CREATE SCHEMA public;");
}

void DataplaneFixture::both(const std::string& sql) {
  source_->exec("SET client_min_messages = warning; " + sql);
  target_->exec("SET client_min_messages = warning; " + sql);
}

}  // namespace tandem::test
