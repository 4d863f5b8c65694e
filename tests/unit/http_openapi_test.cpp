// docs/openapi.yaml and the routes the daemon registers are the same set: every route
// is documented, and every documented operation exists. The panel's static files
// (/ui/...) are one documented family rather than one entry per file.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "http/api_routes.hpp"
#include "tests/unit/http_fake_node.hpp"

namespace tandem::http {
namespace {

// "METHOD /path" for every operation under `paths:`. The file is written with two-space
// indents (paths at 2, methods at 4), which this reader relies on; a file that breaks
// the layout yields no operations and the test fails loudly.
std::set<std::string> documented_operations(const std::string& file) {
  std::ifstream in(file);
  std::set<std::string> ops;
  std::string line, path;
  bool in_paths = false;
  const std::regex path_re(R"(^  (/[^:\s]*):\s*$)");
  const std::regex method_re(R"(^    (get|post|put|delete|patch|head|options):\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = line.rfind("paths:", 0) == 0;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_re)) {
      path = m[1];
    } else if (std::regex_match(line, m, method_re) && !path.empty()) {
      std::string method = m[1];
      for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      ops.insert(method + " " + path);
    }
  }
  return ops;
}

std::set<std::string> registered_operations() {
  test::FakeNode node;
  Config config = test::spec_config();
  Router router(config.admin_token);
  add_api_routes(router, node, config, {"a", "test"});
  std::set<std::string> ops;
  for (const auto& r : router.describe()) {
    // Each panel file is its own exact route; the OpenAPI file documents the family.
    if (r.rfind("GET /ui/", 0) == 0) ops.insert("GET /ui/{file}");
    else ops.insert(r);
  }
  return ops;
}

TEST(OpenApi, EveryRegisteredRouteIsDocumentedAndTheOtherWayRound) {
  const auto documented = documented_operations(std::string(TANDEM_SOURCE_DIR) + "/docs/openapi.yaml");
  const auto registered = registered_operations();
  ASSERT_GE(documented.size(), 10u) << "docs/openapi.yaml missing or not in the expected layout";
  for (const auto& op : registered) EXPECT_TRUE(documented.count(op)) << op << " is not in docs/openapi.yaml";
  for (const auto& op : documented) EXPECT_TRUE(registered.count(op)) << op << " is documented but not served";
}

TEST(OpenApi, ApiGuideMentionsEveryRoute) {
  std::ifstream in(std::string(TANDEM_SOURCE_DIR) + "/docs/api.md");
  std::stringstream text;
  text << in.rdbuf();
  for (const auto& op : registered_operations())
    EXPECT_NE(text.str().find("`" + op + "`"), std::string::npos) << op << " is not in docs/api.md";
}

}  // namespace
}  // namespace tandem::http
