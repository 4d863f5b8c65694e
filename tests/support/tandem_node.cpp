#include "tests/support/tandem_node.hpp"

#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/free_port.hpp"

#ifndef TANDEM_BINARY_DIR
#error "TANDEM_BINARY_DIR must name the build directory"
#endif

namespace tandem::test {

using nlohmann::json;
namespace fs = std::filesystem;

std::string tandemd_path() {
  const char* over = std::getenv("TANDEMD");
  return over && *over ? over : std::string(TANDEM_BINARY_DIR) + "/tandemd";
}

TandemNode::TandemNode(std::string id, std::string name, std::string workdir, const PgSandbox& db)
    : id_(std::move(id)), name_(std::move(name)), dir_(std::move(workdir)) {
  state_dir_ = dir_ + "/" + id_ + "-state";
  log_path_ = dir_ + "/" + id_ + ".log";
  http_port_ = free_tcp_port();
  actor_port_ = free_tcp_port();
  token_ = "token-" + id_ + "-0123456789abcdef";
  config_ = {
      {"node", {{"id", id_}, {"name", name_}}},
      {"database", {{"conninfo", db.conninfo()}}},
      {"state_dir", state_dir_},
      {"http", {{"listen", "127.0.0.1:" + std::to_string(http_port_)}, {"admin_token", token_}}},
      {"actor", {{"listen", "127.0.0.1:" + std::to_string(actor_port_)},
                 {"secret", "shared-test-secret-0123456789"}}},
      {"peers", json::array()},
      {"sync", {{"tables", {"public.*"}}, {"exclude_rows", {{"public.customers", "is_demo"}}}}},
      {"full_sync", {{"chunk_bytes", 65536}, {"stall_after_s", 30}, {"peer_retry_limit", 8}}},
      {"log_level", "info"}};
}

TandemNode::~TandemNode() {
  if (process_) kill9();
}

void TandemNode::add_peer(const TandemNode& other) {
  config_["peers"].push_back({{"id", other.id()},
                              {"name", other.name()},
                              {"actor", "127.0.0.1:" + std::to_string(other.actor_port())},
                              {"http", "127.0.0.1:" + std::to_string(other.http_port())}});
}

void TandemNode::set_peer_actor_port(const std::string& peer_id, int port) {
  for (auto& p : config_["peers"])
    if (p["id"] == peer_id) p["actor"] = "127.0.0.1:" + std::to_string(port);
}

void TandemNode::start(bool wait_healthy) {
  if (process_) throw std::runtime_error("node " + id_ + " is already running");
  std::string cfg = dir_ + "/" + id_ + ".json";
  std::ofstream(cfg) << config_.dump(2);
  process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
      "/bin/sh", "-c", "exec '" + tandemd_path() + "' --config '" + cfg + "' 2>>'" + log_path_ + "'"},
      env_);
  if (wait_healthy && !wait_until([&] { return healthy(); }, std::chrono::seconds(20)))
    throw std::runtime_error("node " + id_ + " did not become healthy; log:\n" + log());
}

void TandemNode::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  auto st = process_->wait_for(std::chrono::seconds(20));
  if (!st) {
    process_->signal(SIGKILL);
    process_->wait_for(std::chrono::seconds(5));
    process_.reset();
    throw std::runtime_error("node " + id_ + " ignored SIGTERM for 20 s; log:\n" + log());
  }
  process_.reset();
}

void TandemNode::kill9() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait_for(std::chrono::seconds(10));
  process_.reset();
}

void TandemNode::freeze() {
  if (process_) process_->signal(SIGSTOP);
}
void TandemNode::thaw() {
  if (process_) process_->signal(SIGCONT);
}

bool TandemNode::healthy() const { return http_get(http_port_, "/healthz").status == 200; }

HttpAnswer TandemNode::get(const std::string& path) const {
  return http_request(http_port_, "GET", path, token_);
}

HttpAnswer TandemNode::post(const std::string& path, const std::string& body) const {
  return http_request(http_port_, "POST", path, token_, body, 20);
}

HttpAnswer TandemNode::start_full_sync(const std::string& action, const std::string& peer,
                                       const json& options) const {
  json body = {{"action", action}, {"targetPeer", {{"nodeId", peer}}}, {"options", options}};
  return post("/api/admin/sync/full-sync", body.dump());
}

json TandemNode::wait_progress(const std::string& id, const std::function<bool(const json&)>& done,
                               std::chrono::milliseconds timeout) const {
  json last;
  wait_until(
      [&] {
        auto a = get("/api/sync/backup-progress?sessionId=" + id);
        if (a.status != 200) return false;
        last = a.json();
        return done(last);
      },
      timeout, std::chrono::milliseconds(50));
  return last;
}

json TandemNode::wait_finished(const std::string& id, std::chrono::milliseconds timeout) const {
  return wait_progress(
      id,
      [](const json& p) {
        auto s = p.value("state", "");
        return s == "succeeded" || s == "failed" || s == "cancelled";
      },
      timeout);
}

json TandemNode::wait_phase(const std::string& id, const std::string& phase,
                            std::chrono::milliseconds timeout) const {
  return wait_progress(
      id,
      [&](const json& p) {
        return p.value("phase", "") == phase && p.value("detailedState", "") == "running";
      },
      timeout);
}

std::string session_id_of(const HttpAnswer& started) {
  if (started.status != 202) return "";
  return started.json().value("sessionId", "");
}

std::string TandemNode::pull_into_phase(const std::string& source, const std::string& phase,
                                        const json& options) const {
  std::string id = session_id_of(start_full_sync("pull", source, options));
  if (id.empty()) return id;
  return wait_phase(id, phase).value("phase", "") == phase ? id : "";
}

std::string TandemNode::pull_into_transfer(const std::string& source, std::uint64_t chunks,
                                           json options) const {
  options["bandwidthLimitMBps"] = 0.3;
  std::string id = pull_into_phase(source, "transfer", options);
  if (id.empty()) return id;
  bool reached = wait_until([&] { return checkpoint(id, "transfer") >= chunks; }, std::chrono::seconds(20));
  return reached ? id : "";
}

json TandemNode::session_detail(const std::string& id) const {
  return get("/api/admin/sync/sessions/" + id).json();
}

std::uint64_t TandemNode::checkpoint(const std::string& id, const std::string& phase) const {
  for (const auto& p : session_detail(id).value("phases", json::array()))
    if (p.value("phase", "") == phase) return p.value("checkpoint", std::uint64_t{0});
  return 0;
}

std::string TandemNode::spool_dir(const std::string& id) const { return state_dir_ + "/spool/" + id; }

std::map<std::string, std::string> chunk_files(const std::string& dir, std::uint64_t below) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    unsigned long long index = 0;
    char tail = 0;
    // "chunk-000012.bin" exactly: not "chunk-000012.bin.tmp".
    if (std::sscanf(name.c_str(), "chunk-%6llu.bi%c", &index, &tail) != 2 || tail != 'n' ||
        name.size() != std::string("chunk-000000.bin").size() || index >= below)
      continue;
    struct stat st {};
    if (::stat(e.path().c_str(), &st) != 0) continue;
    out[name] = std::to_string(st.st_ino) + ":" +
                std::to_string(st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec);
  }
  return out;
}

int rewritten_chunks(const std::map<std::string, std::string>& before,
                     const std::map<std::string, std::string>& after) {
  int n = 0;
  for (const auto& [name, identity] : before) {
    auto it = after.find(name);
    if (it == after.end() || it->second != identity) ++n;
  }
  return n;
}

std::string TandemNode::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TwoNodes::TwoNodes(double scale, bool start, PgSandbox::Options db_options,
                   const std::string& age_script)
    : db_a(db_options), db_b(db_options) {
  char tmpl[] = "/tmp/tandem-nodes.XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  if (auto s = db_a.load_sample_app(scale, false); !s.ok())
    throw std::runtime_error("load a: " + s.error().describe());
  if (auto s = db_b.load_sample_app(scale, true, age_script); !s.ok())
    throw std::runtime_error("load b: " + s.error().describe());
  a = std::make_unique<TandemNode>("a", "Server A", dir_, db_a);
  b = std::make_unique<TandemNode>("b", "Server B", dir_, db_b);
  a->add_peer(*b);
  b->add_peer(*a);
  if (start) {
    a->start();
    b->start();
  }
}

TwoNodes::~TwoNodes() {
  a.reset();
  b.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string TwoNodes::fingerprint(const PgSandbox& db) {
  std::string out;
  for (const char* t : {"customers", "products", "orders", "order_items", "\"AuditLog\""}) {
    std::string where = std::string(t) == "customers" ? " WHERE NOT is_demo" : "";
    out += std::string(t) + "=" +
           db.scalar(std::string("SELECT count(*) || ':' || coalesce(sum(hashtextextended(x::text, 0)), 0) FROM ") +
                     t + " x" + where) +
           "\n";
  }
  return out;
}

}  // namespace tandem::test
