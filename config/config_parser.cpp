// Validation of the config file. Reads every section with ObjectReader so that each
// problem is reported with its key path; all problems are collected, not just the first.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <libpq-fe.h>

#include "base/json_reader.hpp"
#include "config/config.hpp"
#include "config/table_pattern.hpp"

namespace tandem {
namespace {

using nlohmann::json;

// Shorter tokens and secrets work but are named in Config::warnings: refusing them
// would stop a node over a choice that is the admin's to make.
constexpr std::size_t kMinSecretLen = 16;
// A chunk is a byte range of the COPY stream, so any size works; below a page the
// per-chunk costs (a file, a checksum, a journal commit) are all a chunk is.
constexpr std::int64_t kMinChunkBytes = 1 << 10;

bool valid_node_id(const std::string& id) {
  static const std::regex re("[A-Za-z0-9_.-]{1,64}");
  return std::regex_match(id, re);
}

void read_node(ObjectReader& root, Config& c, JsonErrors& errs) {
  const json* v = root.object("node", Need::required);
  if (!v) return;
  ObjectReader r(*v, "node", errs);
  if (auto id = r.string("id", Need::required)) {
    if (!valid_node_id(*id))
      errs.add("node.id", "must be 1-64 characters of letters, digits, '_', '.', '-'");
    c.node.id = *id;
  }
  if (auto name = r.string("name", Need::required, 200)) {
    if (name->empty()) errs.add("node.name", "must not be empty");
    c.node.name = *name;
  }
  r.finish();
}

// libpq's own parser, so a typo is caught at start rather than at the first sync.
std::string conninfo_problem(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  std::string why;
  if (!opts) {
    why = err ? err : "is not a valid libpq connection string";
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  }
  PQconninfoFree(opts);
  PQfreemem(err);
  return why;
}

void read_address(ObjectReader& r, const std::string& key, HostPort& out, JsonErrors& errs,
                  Need need = Need::required) {
  if (auto text = r.string(key, need, 300)) {
    auto hp = parse_host_port(*text);
    if (hp.ok()) out = *hp;
    else errs.add(r.path_of(key), hp.error().message);
  }
}

void read_secret(ObjectReader& r, const std::string& key, Config& c, std::string& out,
                 JsonErrors& errs) {
  if (auto s = r.string(key, Need::required)) {
    if (s->empty()) errs.add(r.path_of(key), "must not be empty (use a long random string)");
    else if (s->size() < kMinSecretLen)
      c.warnings.push_back(r.path_of(key) + " is shorter than " + std::to_string(kMinSecretLen) +
                           " characters: easy to guess; use a long random string");
    out = *s;
  }
}

void read_endpoints(ObjectReader& root, Config& c, JsonErrors& errs) {
  if (const json* db = root.object("database", Need::required)) {
    ObjectReader r(*db, "database", errs);
    if (auto ci = r.string("conninfo", Need::required)) {
      if (ci->empty()) errs.add("database.conninfo", "must not be empty");
      else if (auto why = conninfo_problem(*ci); !why.empty()) errs.add("database.conninfo", why);
      c.database_conninfo = *ci;
    }
    r.finish();
  }
  if (auto dir = root.string("state_dir", Need::required)) {
    if (dir->empty()) errs.add("state_dir", "must not be empty");
    c.state_dir = *dir;
  }
  if (const json* http = root.object("http", Need::required)) {
    ObjectReader r(*http, "http", errs);
    read_address(r, "listen", c.http_listen, errs);
    read_secret(r, "admin_token", c, c.admin_token, errs);
    r.finish();
  }
  if (const json* actor = root.object("actor", Need::required)) {
    ObjectReader r(*actor, "actor", errs);
    read_address(r, "listen", c.actor_listen, errs);
    read_secret(r, "secret", c, c.actor_secret, errs);
    r.finish();
  }
}

void read_peers(ObjectReader& root, Config& c, JsonErrors& errs) {
  const json* arr = root.array("peers", Need::optional);
  if (!arr) return;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    std::string path = "peers[" + std::to_string(i) + "]";
    ObjectReader r((*arr)[i], path, errs);
    PeerConfig p;
    if (auto id = r.string("id", Need::required)) {
      p.id = *id;
      if (!valid_node_id(p.id))
        errs.add(path + ".id", "must be 1-64 characters of letters, digits, '_', '.', '-'");
      else if (p.id == c.node.id)
        errs.add(path + ".id", "is this node's own id (node.id); a node is not its own peer");
      else if (!ids.insert(p.id).second)
        errs.add(path + ".id", "duplicates another peer's id \"" + p.id + "\"");
    }
    p.name = r.string("name", Need::optional, 200).value_or(p.id);
    read_address(r, "actor", p.actor, errs);
    read_address(r, "http", p.http, errs, Need::optional);  // only the HTTP fallback needs it
    r.finish();
    c.peers.push_back(std::move(p));
  }
}

void read_patterns(ObjectReader& r, const std::string& key, std::vector<std::string>& out,
                   JsonErrors& errs) {
  auto list = r.string_array(key, Need::optional);
  if (!list) return;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto why = table_pattern_problem((*list)[i]);
    if (!why.empty()) errs.add(r.path_of(key) + "[" + std::to_string(i) + "]", why);
  }
  out = *list;
}

void read_conflict_policy(ObjectReader& r, Config& c, JsonErrors& errs) {
  auto text = r.string("conflict_policy", Need::optional);
  if (!text) return;
  const std::string prefix = "prefer_node:";
  auto& policy = c.sync.conflict_policy;
  if (*text == "last_writer_wins") {
    policy.kind = ConflictPolicy::Kind::last_writer_wins;
  } else if (text->rfind(prefix, 0) == 0 && text->size() > prefix.size()) {
    policy.kind = ConflictPolicy::Kind::prefer_node;
    policy.node = text->substr(prefix.size());
  } else {
    errs.add("sync.conflict_policy",
             "must be \"last_writer_wins\" or \"prefer_node:<node id>\", got \"" + *text + "\"");
  }
}

void read_sync(ObjectReader& root, Config& c, JsonErrors& errs) {
  const json* v = root.object("sync", Need::optional);
  if (!v) return;
  ObjectReader r(*v, "sync", errs);
  read_patterns(r, "tables", c.sync.tables, errs);
  read_patterns(r, "exclude_tables", c.sync.exclude_tables, errs);
  if (auto rows = r.string_map("exclude_rows", Need::optional)) {
    for (const auto& [table, predicate] : *rows) {
      auto why = table_name_problem(table);
      if (!why.empty()) errs.add("sync.exclude_rows." + table, why);
      else if (predicate.find_first_not_of(" \t\n") == std::string::npos)
        errs.add("sync.exclude_rows." + table, "must be an SQL predicate, not empty");
    }
    c.sync.exclude_rows = *rows;
  }
  if (auto n = r.integer("periodic_interval_s", Need::optional, 1, 86400))
    c.sync.periodic_interval_s = static_cast<int>(*n);
  read_conflict_policy(r, c, errs);
  if (auto n = r.integer("conflict_retention_days", Need::optional, 0, 36500))
    c.sync.conflict_retention_days = static_cast<int>(*n);
  r.finish();
}

void read_full_sync(ObjectReader& root, Config& c, JsonErrors& errs) {
  const json* v = root.object("full_sync", Need::optional);
  if (!v) return;
  ObjectReader r(*v, "full_sync", errs);
  auto& f = c.full_sync;
  if (auto n = r.integer("chunk_bytes", Need::optional, kMinChunkBytes, 256 << 20))
    f.chunk_bytes = static_cast<std::uint64_t>(*n);
  f.compression = r.boolean("compression", Need::optional).value_or(f.compression);
  f.verify = r.boolean("verify", Need::optional).value_or(f.verify);
  f.bandwidth_limit_mbps =
      r.number("bandwidth_limit_mbps", Need::optional, 0, 1e6).value_or(f.bandwidth_limit_mbps);
  if (auto n = r.integer("stall_after_s", Need::optional, 5, 86400))
    f.stall_after_s = static_cast<int>(*n);
  if (auto n = r.integer("peer_retry_limit", Need::optional, 0, 1000))
    f.peer_retry_limit = static_cast<int>(*n);
  f.range_diff = r.boolean("range_diff", Need::optional).value_or(f.range_diff);
  r.finish();
}

void read_notify(ObjectReader& root, Config& c, JsonErrors& errs) {
  const json* v = root.object("notify", Need::optional);
  if (!v) return;
  ObjectReader r(*v, "notify", errs);
  if (auto url = r.string("webhook", Need::optional)) {
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0)
      errs.add("notify.webhook", "must be an http:// or https:// URL");
    c.notify.webhook = *url;
  }
  if (const json* s = r.object("smtp", Need::optional)) {
    ObjectReader sr(*s, "notify.smtp", errs);
    SmtpConfig smtp;
    smtp.host = sr.string("host", Need::required, 300).value_or("");
    if (auto p = sr.integer("port", Need::optional, 1, 65535))
      smtp.port = static_cast<std::uint16_t>(*p);
    smtp.from = sr.string("from", Need::required, 300).value_or("");
    smtp.to = sr.string_array("to", Need::required, 100).value_or(std::vector<std::string>{});
    if (sr.has("to") && smtp.to.empty()) errs.add("notify.smtp.to", "must list at least one address");
    for (std::size_t i = 0; i < smtp.to.size(); ++i)
      if (smtp.to[i].find('@') == std::string::npos)
        errs.add("notify.smtp.to[" + std::to_string(i) + "]", "is not an e-mail address");
    sr.finish();
    c.notify.smtp = smtp;
  }
  r.finish();
}

// Checks that need the whole config (cross references).
void check_references(const Config& c, JsonErrors& errs) {
  const auto& policy = c.sync.conflict_policy;
  if (policy.kind == ConflictPolicy::Kind::prefer_node && policy.node != c.node.id &&
      !c.find_peer(policy.node))
    errs.add("sync.conflict_policy", "prefers node \"" + policy.node +
                                         "\", which is neither node.id nor a peer's id");
}

}  // namespace

std::string ConflictPolicy::text() const {
  return kind == Kind::last_writer_wins ? "last_writer_wins" : "prefer_node:" + node;
}

const PeerConfig* Config::find_peer(const std::string& id) const {
  for (const auto& p : peers)
    if (p.id == id) return &p;
  return nullptr;
}

Result<Config> parse_config(const std::string& json_text) {
  JsonErrors errs;
  auto doc = parse_json(json_text, errs, "the config file");
  if (!doc) return errs.to_error("bad_config");
  Config c;
  ObjectReader root(*doc, "", errs);
  read_node(root, c, errs);
  read_endpoints(root, c, errs);
  read_peers(root, c, errs);
  read_sync(root, c, errs);
  read_full_sync(root, c, errs);
  read_notify(root, c, errs);
  if (auto lvl = root.string("log_level", Need::optional)) {
    if (*lvl != "debug" && *lvl != "info" && *lvl != "warn" && *lvl != "error")
      errs.add("log_level", "must be one of debug, info, warn, error");
    c.log_level = *lvl;
  }
  root.finish();
  if (errs.empty()) check_references(c, errs);
  if (!errs.empty()) return errs.to_error("bad_config");
  return c;
}

Result<Config> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("bad_config", "cannot read config file \"" + path + "\"");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str());
}

}  // namespace tandem
