#include "tests/support/pg_sandbox.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "tests/support/process.hpp"

#ifndef TANDEM_SOURCE_DIR
#error "TANDEM_SOURCE_DIR must name the repository root (set by tests/support/CMakeLists.txt)"
#endif

namespace tandem::test {
namespace {

std::string make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/tandem-pg.XXXXXX";
  if (!mkdtemp(templ.data())) throw std::runtime_error("PgSandbox: mkdtemp failed in " + templ);
  return templ;
}

// The value of `key` in the tool's KEY=VALUE output, or "".
std::string field(const std::string& out, const std::string& key) {
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key + "=", 0) == 0) return line.substr(key.size() + 1);
  }
  return {};
}

std::string describe_failure(const ProcessResult& r) {
  std::string why = r.timed_out ? "timed out" : "exit " + std::to_string(r.exit_code);
  return why + (r.err.empty() ? "" : ": " + r.err);
}

std::string format_scale(double scale) {
  std::ostringstream s;
  s << scale;
  return s.str();
}

}  // namespace

std::string PgSandbox::source_dir() { return TANDEM_SOURCE_DIR; }

std::string PgSandbox::tool_path() {
  const char* over = std::getenv("TANDEM_PG_SANDBOX");
  return over && *over ? over : source_dir() + "/tools/pg-sandbox";
}

PgSandbox::PgSandbox() : PgSandbox(Options{}) {}

PgSandbox::PgSandbox(Options options) {
  std::string dir = make_temp_dir();
  std::vector<std::string> argv = {tool_path(), "start", dir, "--owner-pid", std::to_string(getpid())};
  if (options.durable) argv.push_back("--durable");
  ProcessResult r = run_process(argv);
  if (!r.ok()) {
    rmdir(dir.c_str());  // the tool removes what it made; this only drops an empty dir
    throw std::runtime_error("pg-sandbox start failed (" + describe_failure(r) + ")");
  }
  dir_ = field(r.out, "DIR");
  port_ = std::atoi(field(r.out, "PGPORT").c_str());
  postmaster_pid_ = static_cast<pid_t>(std::atoi(field(r.out, "POSTMASTER_PID").c_str()));
  running_ = true;
  if (dir_.empty() || port_ <= 0 || postmaster_pid_ <= 0) {
    run_process({tool_path(), "stop", dir});
    running_ = false;
    throw std::runtime_error("pg-sandbox start printed unexpected output: " + r.out);
  }
}

PgSandbox::~PgSandbox() {
  Status s = stop();
  if (!s.ok()) {
    // Destructors must not throw; the watchdog still removes the cluster when we exit.
    fprintf(stderr, "PgSandbox: %s\n", s.error().describe().c_str());
  }
}

Status PgSandbox::stop() {
  if (!running_) return ok_status();
  running_ = false;
  ProcessResult r = run_process({tool_path(), "stop", dir_});
  if (!r.ok()) return make_error("sandbox_stop", "pg-sandbox stop " + dir_ + " failed (" + describe_failure(r) + ")");
  return ok_status();
}

std::string PgSandbox::conninfo(const std::string& dbname) const {
  return "host=" + host_ + " port=" + std::to_string(port_) + " dbname=" + dbname + " user=postgres";
}

Result<Rows> PgSandbox::query(const std::string& sql, const std::string& dbname) const {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo(dbname).c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return make_error("pg_connect", "cannot connect to " + conninfo(dbname) + ": " + PQerrorMessage(conn.get()));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  auto status = PQresultStatus(res.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    return make_error("pg_query", std::string(PQresultErrorMessage(res.get())) + "in SQL: " + sql.substr(0, 200));
  }
  Rows rows;
  for (int r = 0; r < PQntuples(res.get()); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(res.get()); ++c) row.emplace_back(PQgetvalue(res.get(), r, c));
    rows.push_back(std::move(row));
  }
  return rows;
}

void PgSandbox::exec(const std::string& sql) const {
  auto r = query(sql);
  if (!r.ok()) throw std::runtime_error(r.error().describe());
}

std::string PgSandbox::scalar(const std::string& sql) const {
  auto r = query(sql);
  if (!r.ok()) throw std::runtime_error(r.error().describe());
  if (r->empty() || r->front().empty()) throw std::runtime_error("no rows from: " + sql);
  return r->front().front();
}

Status PgSandbox::run_sql_file(const std::string& path, const SqlVars& vars) const {
  std::vector<std::string> argv = {tool_path(), "psql", dir_, "-q"};
  for (const auto& [name, value] : vars) {
    argv.push_back("-v");
    argv.push_back(name + "=" + value);
  }
  argv.push_back("-f");
  argv.push_back(path);
  ProcessResult r = run_process(argv, {}, std::chrono::minutes(30));
  if (!r.ok()) return make_error("sql_file", path + " failed (" + describe_failure(r) + ")");
  return ok_status();
}

Status PgSandbox::load_sample_app(double scale, bool aged, const std::string& age_script) const {
  const std::string app = source_dir() + "/tools/sample-app/";
  Status s = run_sql_file(app + "schema.sql");
  if (s.ok()) s = run_sql_file(app + "load.sql", {{"scale", format_scale(scale)}});
  if (s.ok() && aged) s = run_sql_file(app + age_script);
  return s;
}

}  // namespace tandem::test
