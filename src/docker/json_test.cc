// File: docker/json_test.cc
#include "docker/json.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(JsonTest, WriteJsonStyle) {
  struct Case {
    Json value;
    std::string want;
  };
  Json ordered = Json::object();
  ordered["Zeta"] = 1;
  ordered["Alpha"] = nullptr;
  ordered["List"] = Json::array({"a", 2});
  const Case cases[] = {
      {Json{{"message", "<a> & b"}}, "{\"message\":\"<a> & b\"}\n"},  // no HTML escaping
      {ordered, "{\"Zeta\":1,\"Alpha\":null,\"List\":[\"a\",2]}\n"},  // insertion order
      {Json("line\u2028sep\u2029"), "\"line\\u2028sep\\u2029\"\n"},   // as Go
      {Json("tab\tnl\n\x01"), "\"tab\\tnl\\n\\u0001\"\n"},
      {Json(std::string("bad\xff")), "\"bad\xEF\xBF\xBD\"\n"},  // U+FFFD
      {Json("é"), "\"é\"\n"},
  };
  for (const Case& c : cases) EXPECT_EQ(EncodeJson(c.value), c.want);
  EXPECT_EQ(ErrorJson("No such image: x:latest"), "{\"message\":\"No such image: x:latest\"}\n");
  EXPECT_EQ(EncodeJsonCompact(Json::array()), "[]");
}

}  // namespace
}  // namespace reclaim
