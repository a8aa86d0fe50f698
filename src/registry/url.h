// File: registry/url.h
//
// The few URL operations the registry client needs, with Go's net/url
// behaviour where it shows on the wire:
//
//   QueryEscape("a b/c")                      -> "a+b%2Fc"  (Go's url.QueryEscape)
//   EncodeQuery({{"scope","x"},{"service","y"}})  -> "scope=x&service=y" (sorted by key,
//                                                 stable for repeated keys; url.Values.Encode)
//   ResolveUrl("https://r/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/u?x=1")
//                                            -> "https://r/v2/a/blobs/uploads/u?x=1"
//   AddQuery("https://r/u?x=1", "digest=sha256:..")  -> "https://r/u?x=1&digest=sha256:.."
//   UrlHost("https://r:5000/v2/")            -> "r:5000"
//
// Thread-safety: pure functions.
#ifndef RECLAIM_REGISTRY_URL_H_
#define RECLAIM_REGISTRY_URL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reclaim {

std::string QueryEscape(std::string_view s);
std::string EncodeQuery(std::vector<std::pair<std::string, std::string>> params);
// `ref` resolved against `base`: absolute URLs as is, "//host/p" keeps the
// scheme, "/p" keeps scheme and authority, anything else replaces the last
// path segment of `base`.
std::string ResolveUrl(std::string_view base, std::string_view ref);
// Appends `query` (already encoded) with '?' or '&'.
std::string AddQuery(std::string_view url, std::string_view query);
// The authority (host[:port]) of an absolute URL; "" when there is none.
std::string UrlHost(std::string_view url);

}  // namespace reclaim

#endif  // RECLAIM_REGISTRY_URL_H_
