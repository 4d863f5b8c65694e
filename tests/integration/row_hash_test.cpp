// The typed row hash (verify's checksums; dataplane/table_checksum.hpp) calls two rows
// alike only when every value prints alike: values that a type's own equality calls
// equal (numeric scale, -0, JSON number scale, case under a case-insensitive collation,
// array bounds) still hash apart, types with no hash function of their own work, and
// values that print alike hash alike whatever way they were written.
#include <gtest/gtest.h>

#include <map>
#include <utility>
#include <vector>

#include "persistence/dataplane/session_settings.hpp"
#include "persistence/dataplane/table_checksum.hpp"
#include "tests/support/pg_sandbox.hpp"

namespace tandem::test {
namespace {

struct Column {
  const char* name;
  const char* type;   // as format_type() prints it
  const char* value;  // the base row's value, an SQL expression
};

const std::vector<Column> kColumns = {
    {"id", "integer", "1"},
    {"n", "numeric", "1.0::numeric"},
    {"f", "double precision", "0::float8"},
    {"j", "jsonb", "'{\"a\": 1.0, \"b\": 2}'::jsonb"},
    {"js", "json", "'{\"a\":1}'::json"},
    {"p", "point", "'(1,2)'::point"},
    {"x", "xml", "'<a/>'::xml"},
    {"ci", "text", "'abc'::text COLLATE public.ci"},
    {"vc", "character varying(10)", "'x'::varchar(10)"},
    {"ch", "character(3)", "'ab'::char(3)"},
    {"arr", "integer[]", "'{1,2}'::int[]"},
    {"ts", "timestamp with time zone", "'2024-01-01 00:00:00+00'::timestamptz"},
    {"d", "public.posint", "5::public.posint"},
    {"b", "bytea", "'\\x00'::bytea"},
    {"u", "uuid", "'00000000-0000-0000-0000-000000000001'::uuid"},
};

class TypedRowHash : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new PgSandbox();
    db_->exec("CREATE COLLATION public.ci (provider = icu, locale = 'und-u-ks-level2', "
              "deterministic = false); "
              "CREATE DOMAIN public.posint AS integer CHECK (VALUE > 0);");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }

  // The typed hash of the base row with the values in `changed` put in.
  static std::string hash(const std::map<std::string, std::string>& changed = {}) {
    auto conn = open_data_plane_connection(db_->conninfo(), "row-hash-test");
    if (!conn.ok()) throw std::runtime_error(conn.error().describe());
    std::vector<HashedColumn> cols;
    std::string values, names;
    for (const auto& c : kColumns) {
      cols.push_back({c.name, c.type});
      auto it = changed.find(c.name);
      values += std::string(values.empty() ? "" : ", ") + (it == changed.end() ? c.value : it->second);
      names += std::string(names.empty() ? "" : ", ") + c.name;
    }
    auto v = conn->scalar("SELECT " + row_hash_sql(*conn, "t", cols, tandem::RowHash::typed) +
                          "::text FROM (SELECT " + values + ") t(" + names + ")");
    if (!v.ok()) throw std::runtime_error(v.error().describe());
    return v->value_or("<no row>");
  }

  static PgSandbox* db_;
};
PgSandbox* TypedRowHash::db_ = nullptr;

TEST_F(TypedRowHash, ValuesTheirTypeCallsEqualButThatPrintDifferentlyHashApart) {
  const std::string base = hash();
  const std::pair<const char*, const char*> differences[] = {
      {"n", "1.00::numeric"},                                // scale
      {"f", "'-0'::float8"},                                 // negative zero
      {"j", "'{\"a\": 1.00, \"b\": 2}'::jsonb"},             // a number's scale inside JSON
      {"js", "'{\"a\": 1}'::json"},                          // json keeps its spacing
      {"p", "'(1,3)'::point"},                               // no hash function at all
      {"x", "'<b/>'::xml"},                                  // nor here
      {"ci", "'ABC'::text COLLATE public.ci"},               // equal under the collation
      {"vc", "'x '::varchar(10)"},                           // a trailing space
      {"arr", "'[0:1]={1,2}'::int[]"},                       // other bounds
      {"ts", "'2024-01-01 00:00:00.000001+00'::timestamptz"},
      {"d", "6::public.posint"},
      {"b", "'\\x0000'::bytea"},
      {"u", "'00000000-0000-0000-0000-000000000002'::uuid"},
      {"id", "2"},
  };
  for (const auto& [column, value] : differences)
    EXPECT_NE(hash({{column, value}}), base) << column << " = " << value;
  // A NULL is not the empty value.
  EXPECT_NE(hash({{"vc", "''::varchar(10)"}}), hash({{"vc", "NULL::varchar(10)"}}));
}

TEST_F(TypedRowHash, ValuesThatPrintAlikeHashAlikeHoweverWritten) {
  const std::string base = hash();
  const std::pair<const char*, const char*> same[] = {
      {"j", "'{\"b\": 2, \"a\": 1.0}'::jsonb"},              // jsonb keeps keys sorted
      {"ts", "'2024-01-01 01:00:00+01'::timestamptz"},       // the same instant
      {"ch", "'ab '::char(3)"},                              // char pads anyway
      {"n", "'1.0'::numeric"},
  };
  for (const auto& [column, value] : same)
    EXPECT_EQ(hash({{column, value}}), base) << column << " = " << value;
}

}  // namespace
}  // namespace tandem::test
