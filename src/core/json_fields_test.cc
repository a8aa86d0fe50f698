#include "core/json_fields.h"

#include <nlohmann/json.hpp>
#include <string>

#include "gtest/gtest.h"

namespace reclaim {
namespace {

using json = nlohmann::json;

struct KeyCase {
  std::string key;
  std::string name;
  bool names;  // bytes.EqualFold(key, name)
};

TEST(JsonFieldsTest, KeyNamesFieldUnderGoFolding) {
  const KeyCase cases[] = {
      {"os", "os", true},
      {"OS", "os", true},
      {"Os", "oS", true},
      {"mediatype", "mediaType", true},
      {"MEDIATYPE", "mediaType", true},
      {"os.version", "OS.VERSION", true},
      {"DIFF_IDS", "diff_ids", true},
      {"osx", "os", false},
      {"o", "os", false},
      {"", "os", false},
      {"", "", true},
      {"os_version", "os.version", false},  // no punctuation folding (that is json v2)
      {"\xe2\x84\xaaind", "kind", true},    // U+212A KELVIN SIGN
      {"\xe2\x84\xaaind", "KIND", true},
      {"\xc5\xbfize", "size", true},  // U+017F LONG S
      {"\xc5\xbfize", "SIZE", true},
      {"\xc4\xb0mage", "image", false},  // U+0130 folds to nothing ASCII
      {"\xc4\xb1mage", "image", false},  // U+0131 neither
      {"\xc3\xa9", "e", false},
      {"\xff", "\xfe", true},  // invalid bytes all read as U+FFFD
      {"\xff", "\xef\xbf\xbd", true},
      {"a\xff", "a", false},
  };
  for (const KeyCase& c : cases) {
    EXPECT_EQ(JsonKeyNamesField(c.key, c.name), c.names)
        << testing::PrintToString(c.key) << " vs " << testing::PrintToString(c.name);
  }
}

struct FindCase {
  std::string doc;
  std::string name;
  std::string want;  // the value's dump, "" when nullptr
};

TEST(JsonFieldsTest, FindsWhatGoStores) {
  const FindCase cases[] = {
      {R"({"os":"linux"})", "os", R"("linux")"},
      {R"({"OS":"linux"})", "os", R"("linux")"},
      {R"({"oS":"linux"})", "Os", R"("linux")"},
      {R"({"osx":"linux"})", "os", ""},
      {R"({})", "os", ""},
      // The exact spelling wins over folded ones; among folded ones, byte order.
      {R"({"OS":"b","os":"a"})", "os", R"("a")"},
      {R"({"Os":"c","OS":"b"})", "os", R"("b")"},
      // Identical keys: the last one, as in Go (nlohmann keeps the last).
      {R"({"os":"a","os":"b"})", "os", R"("b")"},
      // null leaves the field zero, and never hides another spelling's value
      // (Go: null has no effect on a string field, in either order).
      {R"({"os":null})", "os", ""},
      {R"({"os":null,"OS":"linux"})", "os", R"("linux")"},
      {R"({"OS":"linux","os":null})", "os", R"("linux")"},
      {R"({"OS":null,"oS":"x"})", "os", R"("x")"},
      {R"({"OS":null,"os":null})", "os", ""},
      // Values of any type are returned; the caller checks the type.
      {R"({"size":12})", "size", "12"},
      {R"({"Labels":{"a":"b"}})", "labels", R"({"a":"b"})"},
      {R"({"\u212aind":"x"})", "kind", R"("x")"},
      // Not an object: no field.
      {R"(["os"])", "os", ""},
      {R"("os")", "os", ""},
      {R"(null)", "os", ""},
  };
  for (const FindCase& c : cases) {
    const json doc = json::parse(c.doc);
    const json* got = FindJsonField(doc, c.name);
    EXPECT_EQ(got == nullptr ? "" : got->dump(), c.want) << c.doc << " ." << c.name;
  }
}

struct HasCase {
  std::string doc;
  std::string name;
  bool has;
};

TEST(JsonFieldsTest, PresenceCountsNull) {
  const HasCase cases[] = {
      {R"({"fsLayers":[]})", "fsLayers", true},
      {R"({"fsLayers":null})", "fsLayers", true},
      {R"({"FSLAYERS":null})", "fsLayers", true},
      {R"({"fsLayer":[]})", "fsLayers", false},
      {R"({})", "fsLayers", false},
      {R"([{"fsLayers":1}])", "fsLayers", false},
      {R"(null)", "fsLayers", false},
  };
  for (const HasCase& c : cases) {
    EXPECT_EQ(HasJsonField(json::parse(c.doc), c.name), c.has) << c.doc << " ." << c.name;
  }
}

}  // namespace
}  // namespace reclaim
