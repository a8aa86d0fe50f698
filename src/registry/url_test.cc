#include "registry/url.h"

#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

TEST(UrlTest, QueryEscapeLikeGo) {
  EXPECT_EQ(QueryEscape("repository:a/b:pull,push"), "repository%3Aa%2Fb%3Apull%2Cpush");
  EXPECT_EQ(QueryEscape("a b~-_."), "a+b~-_.");
  EXPECT_EQ(EncodeQuery({{"service", "s"}, {"scope", "x y"}, {"scope", "z"}, {"a", "1"}}),
            "a=1&scope=x+y&scope=z&service=s");
}

TEST(UrlTest, ResolvesReferences) {
  const struct {
    std::string base, ref, want;
  } cases[] = {
      {"http://r:5/v2/a/blobs/uploads/", "http://o:6/x?y=1", "http://o:6/x?y=1"},
      {"http://r:5/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u?s=1",
       "http://r:5/v2/a/blobs/uploads/u?s=1"},
      {"https://r/v2/a/tags/list", "//cdn/x", "https://cdn/x"},
      {"https://r/v2/a/tags/list?n=1", "list?last=b", "https://r/v2/a/tags/list?last=b"},
      {"https://r", "x", "https://r/x"},
  };
  for (const auto& c : cases)
    EXPECT_EQ(ResolveUrl(c.base, c.ref), c.want) << c.base << " " << c.ref;
  EXPECT_EQ(AddQuery("http://r/u", "d=1"), "http://r/u?d=1");
  EXPECT_EQ(AddQuery("http://r/u?s=2", "d=1"), "http://r/u?s=2&d=1");
  EXPECT_EQ(UrlHost("https://r:5000/v2/"), "r:5000");
  EXPECT_EQ(UrlHost("http://u:p@h/x"), "h");
  EXPECT_EQ(UrlHost("/relative"), "");
}

}  // namespace
}  // namespace reclaim
