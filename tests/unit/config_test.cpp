// The config file: a valid one loads with SPEC.md's meaning and the documented defaults;
// every bad one is refused with the path of the offending key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/config.hpp"

namespace tandem {
namespace {

using nlohmann::json;

// SPEC.md's example, verbatim in shape.
json spec_example() {
  return json::parse(R"({
    "node":     {"id": "a", "name": "Server A"},
    "database": {"conninfo": "host=127.0.0.1 port=5432 dbname=app user=app"},
    "state_dir": "/var/lib/tandem",
    "http":     {"listen": "127.0.0.1:8080", "admin_token": "long-random-string"},
    "actor":    {"listen": "0.0.0.0:4242", "secret": "shared-by-all-nodes"},
    "peers": [
      {"id": "b", "name": "Server B", "actor": "192.168.0.114:4242", "http": "192.168.0.114:8080"}
    ],
    "sync": {
      "tables": ["public.*"],
      "exclude_tables": ["public._prisma_migrations"],
      "exclude_rows": {"public.users": "is_demo"},
      "periodic_interval_s": 30,
      "conflict_policy": "last_writer_wins"
    },
    "full_sync": {"chunk_bytes": 4194304, "compression": true, "verify": true,
                  "bandwidth_limit_mbps": 0},
    "notify": {"webhook": "http://127.0.0.1:9000/hook",
               "smtp": {"host": "127.0.0.1", "port": 25, "from": "tandem@host", "to": ["admin@host"]}}
  })");
}

TEST(ConfigLoad, SpecExampleLoadsWithEveryKey) {
  auto r = parse_config(spec_example().dump());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const Config& c = *r;
  EXPECT_EQ(c.node.id, "a");
  EXPECT_EQ(c.node.name, "Server A");
  EXPECT_EQ(c.database_conninfo, "host=127.0.0.1 port=5432 dbname=app user=app");
  EXPECT_EQ(c.state_dir, "/var/lib/tandem");
  EXPECT_EQ(c.http_listen.text(), "127.0.0.1:8080");
  EXPECT_EQ(c.admin_token, "long-random-string");
  EXPECT_EQ(c.actor_listen.host, "0.0.0.0");
  EXPECT_EQ(c.actor_listen.port, 4242);
  ASSERT_EQ(c.peers.size(), 1u);
  EXPECT_EQ(c.peers[0].id, "b");
  EXPECT_EQ(c.peers[0].actor.text(), "192.168.0.114:4242");
  EXPECT_EQ(c.peers[0].http.port, 8080);
  EXPECT_EQ(c.sync.exclude_tables, std::vector<std::string>{"public._prisma_migrations"});
  EXPECT_EQ(c.sync.exclude_rows.at("public.users"), "is_demo");
  EXPECT_EQ(c.sync.conflict_policy.text(), "last_writer_wins");
  EXPECT_EQ(c.full_sync.chunk_bytes, 4194304u);
  EXPECT_TRUE(c.full_sync.compression);
  ASSERT_TRUE(c.notify.webhook.has_value());
  ASSERT_TRUE(c.notify.smtp.has_value());
  EXPECT_EQ(c.notify.smtp->to, std::vector<std::string>{"admin@host"});
}

TEST(ConfigLoad, OptionalSectionsTakeDefaults) {
  json j = spec_example();
  for (const char* k : {"peers", "sync", "full_sync", "notify"}) j.erase(k);
  auto r = parse_config(j.dump());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->sync.tables, std::vector<std::string>{"public.*"});
  EXPECT_EQ(r->sync.periodic_interval_s, 30);
  EXPECT_EQ(r->sync.conflict_retention_days, 90);
  EXPECT_EQ(r->full_sync.chunk_bytes, 4u << 20);
  EXPECT_TRUE(r->full_sync.verify);
  EXPECT_TRUE(r->full_sync.range_diff);
  EXPECT_EQ(r->full_sync.bandwidth_limit_mbps, 0);
  EXPECT_FALSE(r->notify.webhook.has_value());
  EXPECT_TRUE(r->peers.empty());
}

TEST(ConfigLoad, ConflictRetentionIsReadAndZeroKeepsAll) {
  for (int days : {0, 7, 36500}) {
    json j = spec_example();
    j["sync"]["conflict_retention_days"] = days;
    auto r = parse_config(j.dump());
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(r->sync.conflict_retention_days, days);
  }
}

TEST(ConfigLoad, PreferNodePolicyAndIpv6Listen) {
  json j = spec_example();
  j["sync"]["conflict_policy"] = "prefer_node:b";
  j["http"]["listen"] = "[::1]:8081";
  auto r = parse_config(j.dump());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->sync.conflict_policy.kind, ConflictPolicy::Kind::prefer_node);
  EXPECT_EQ(r->sync.conflict_policy.node, "b");
  EXPECT_EQ(r->http_listen.host, "::1");
  EXPECT_EQ(r->http_listen.text(), "[::1]:8081");
}

TEST(ConfigLoad, SpecExampleHasNoWarnings) {
  auto r = parse_config(spec_example().dump());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->warnings.empty()) << r->warnings.front();
}

// What a careful admin may choose is accepted; a short token is named, not refused.
TEST(ConfigLoad, ShortSecretsSmallChunksAndAPeerWithoutHttpAreAccepted) {
  json j = spec_example();
  j["http"]["admin_token"] = "test-token";
  j["actor"]["secret"] = "s3cret";
  j["full_sync"]["chunk_bytes"] = 1024;
  j["peers"][0].erase("http");
  auto r = parse_config(j.dump());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->admin_token, "test-token");
  EXPECT_EQ(r->full_sync.chunk_bytes, 1024u);
  EXPECT_EQ(r->peers[0].http.port, 0) << "no HTTP fallback address";
  ASSERT_EQ(r->warnings.size(), 2u);
  EXPECT_NE(r->warnings[0].find("http.admin_token is shorter than 16"), std::string::npos) << r->warnings[0];
  EXPECT_NE(r->warnings[1].find("actor.secret is shorter than 16"), std::string::npos) << r->warnings[1];
}

TEST(ConfigLoad, MissingFileNamesThePath) {
  auto r = load_config_file("/nonexistent/tandem.json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/tandem.json"), std::string::npos);
}

// One bad config: how to break the example, and the key path the refusal must name.
struct BadConfig {
  const char* name;
  std::function<void(json&)> mutate;
  std::string field;
  std::string reason_contains;
};

std::vector<BadConfig> bad_configs() {
  return {
      {"missing_node_id", [](json& j) { j["node"].erase("id"); }, "node.id", "required"},
      {"node_id_bad_chars", [](json& j) { j["node"]["id"] = "a b/c"; }, "node.id", "letters"},
      {"node_not_object", [](json& j) { j["node"] = "a"; }, "node", "object"},
      {"bad_http_listen_no_port", [](json& j) { j["http"]["listen"] = "127.0.0.1"; },
       "http.listen", "port"},
      {"bad_http_listen_port_range", [](json& j) { j["http"]["listen"] = "127.0.0.1:70000"; },
       "http.listen", "65535"},
      {"bad_actor_listen_host", [](json& j) { j["actor"]["listen"] = ":4242"; }, "actor.listen",
       "host"},
      {"unknown_top_key", [](json& j) { j["colour"] = "blue"; }, "colour", "not a known key"},
      {"unknown_nested_key", [](json& j) { j["full_sync"]["chunk_size"] = 1; },
       "full_sync.chunk_size", "not a known key"},
      {"peer_without_address", [](json& j) { j["peers"][0].erase("actor"); }, "peers[0].actor",
       "required"},
      {"peer_http_bad", [](json& j) { j["peers"][0]["http"] = "nohost"; }, "peers[0].http",
       "port"},
      {"duplicate_peer_id",
       [](json& j) {
         json p = j["peers"][0];
         p["actor"] = "10.0.0.9:4242";
         j["peers"].push_back(p);
       },
       "peers[1].id", "duplicates"},
      {"peer_is_self", [](json& j) { j["peers"][0]["id"] = "a"; }, "peers[0].id", "own id"},
      {"empty_admin_token", [](json& j) { j["http"]["admin_token"] = ""; },
       "http.admin_token", "must not be empty"},
      {"empty_secret", [](json& j) { j["actor"]["secret"] = ""; }, "actor.secret",
       "must not be empty"},
      {"missing_secret", [](json& j) { j["actor"].erase("secret"); }, "actor.secret", "required"},
      {"missing_state_dir", [](json& j) { j.erase("state_dir"); }, "state_dir", "required"},
      {"missing_database", [](json& j) { j.erase("database"); }, "database", "required"},
      {"bad_conninfo", [](json& j) { j["database"]["conninfo"] = "host=x bogus_key=1"; },
       "database.conninfo", "bogus_key"},
      {"interval_zero", [](json& j) { j["sync"]["periodic_interval_s"] = 0; },
       "sync.periodic_interval_s", "between"},
      {"interval_fraction", [](json& j) { j["sync"]["periodic_interval_s"] = 1.5; },
       "sync.periodic_interval_s", "whole number"},
      {"negative_retention", [](json& j) { j["sync"]["conflict_retention_days"] = -1; },
       "sync.conflict_retention_days", "between"},
      {"chunk_too_small", [](json& j) { j["full_sync"]["chunk_bytes"] = 1023; },
       "full_sync.chunk_bytes", "between"},
      {"negative_bandwidth", [](json& j) { j["full_sync"]["bandwidth_limit_mbps"] = -1; },
       "full_sync.bandwidth_limit_mbps", "between"},
      {"compression_as_string", [](json& j) { j["full_sync"]["compression"] = "yes"; },
       "full_sync.compression", "true or false"},
      {"range_diff_as_number", [](json& j) { j["full_sync"]["range_diff"] = 1; },
       "full_sync.range_diff", "true or false"},
      {"bad_table_pattern", [](json& j) { j["sync"]["tables"] = json::array({"users"}); },
       "sync.tables[0]", "schema.table"},
      {"exclude_rows_empty_predicate",
       [](json& j) { j["sync"]["exclude_rows"]["public.users"] = " "; },
       "sync.exclude_rows.public.users", "predicate"},
      {"bad_conflict_policy", [](json& j) { j["sync"]["conflict_policy"] = "random"; },
       "sync.conflict_policy", "last_writer_wins"},
      {"prefer_unknown_node", [](json& j) { j["sync"]["conflict_policy"] = "prefer_node:z"; },
       "sync.conflict_policy", "neither"},
      {"webhook_not_url", [](json& j) { j["notify"]["webhook"] = "ftp://x"; }, "notify.webhook",
       "http"},
      {"smtp_bad_recipient", [](json& j) { j["notify"]["smtp"]["to"] = json::array({"admin"}); },
       "notify.smtp.to[0]", "e-mail"},
      {"peers_not_array", [](json& j) { j["peers"] = json::object(); }, "peers", "array"},
  };
}

class ConfigRefused : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ConfigRefused, NamesTheKey) {
  json j = spec_example();
  GetParam().mutate(j);
  auto r = parse_config(j.dump());
  ASSERT_FALSE(r.ok()) << "accepted: " << j.dump();
  EXPECT_EQ(r.error().field, GetParam().field) << r.error().describe();
  EXPECT_NE(r.error().describe().find(GetParam().reason_contains), std::string::npos)
      << r.error().describe();
}

INSTANTIATE_TEST_SUITE_P(Table, ConfigRefused, ::testing::ValuesIn(bad_configs()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ConfigRefusedText, NotJsonNamesLineAndColumn) {
  auto r = parse_config("{\n  \"node\": {\"id\": \"a\",,}\n}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not valid JSON"), std::string::npos);
  EXPECT_NE(r.error().message.find("line 2"), std::string::npos) << r.error().message;
}

TEST(ConfigRefusedText, EmptyFileAndArrayTop) {
  EXPECT_FALSE(parse_config("").ok());
  auto r = parse_config("[]");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("must be an object"), std::string::npos);
}

TEST(ConfigRefusedText, EveryProblemIsListed) {
  json j = spec_example();
  j["node"].erase("id");
  j["http"]["listen"] = "nope";
  auto r = parse_config(j.dump());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("node.id"), std::string::npos);
  EXPECT_NE(r.error().message.find("http.listen"), std::string::npos);
}

}  // namespace
}  // namespace tandem
