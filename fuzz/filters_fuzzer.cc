// Fuzzes FilterArgs::FromJSON with arbitrary bytes. Invariants:
//  - a failure is always InvalidArgument `invalid filter`;
//  - on success ToJSON() re-parses to an equal FilterArgs and is a fixed point;
//  - Validate / GetBoolOrDefault / Get / Del never crash and keep their
//    contracts (errors start with `invalid filter`, default returned on error).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/filters.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool IsInvalidFilter(const absl::Status& s) {
  return s.code() == absl::StatusCode::kInvalidArgument &&
         std::string(s.message()).rfind("invalid filter", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using reclaim::FilterArgs;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<FilterArgs> args = FilterArgs::FromJSON(text);
  if (!args.ok()) {
    Check(args.status().code() == absl::StatusCode::kInvalidArgument);
    Check(std::string(args.status().message()) == "invalid filter");
    return 0;
  }

  const std::string json = args->ToJSON();
  absl::StatusOr<FilterArgs> again = FilterArgs::FromJSON(json);
  Check(again.ok());
  Check(*again == *args);
  Check(again->ToJSON() == json);

  const absl::Status v = args->Validate({"dangling", "label", "label!", "until"});
  Check(v.ok() || IsInvalidFilter(v));
  for (bool def : {false, true}) {
    const FilterArgs::BoolResult r = args->GetBoolOrDefault("dangling", def);
    Check(r.status.ok() || (IsInvalidFilter(r.status) && r.value == def));
  }

  FilterArgs copy = *args;
  const auto keys = copy.Keys();
  Check(keys.size() == copy.Len());
  for (const std::string& key : keys) {
    Check(copy.Contains(key));
    const FilterArgs::BoolResult r = copy.GetBoolOrDefault(key, true);
    Check(r.status.ok() || (IsInvalidFilter(r.status) && r.value));
    const auto values = copy.Get(key);
    for (size_t i = 1; i < values.size(); ++i) Check(values[i - 1] < values[i]);
    for (const std::string& value : values) copy.Del(key, value);
    if (values.empty()) copy.Del(key, "");
    Check(!copy.Contains(key));
  }
  Check(copy.Len() == 0);
  Check(copy.ToJSON().empty());
  return 0;
}
