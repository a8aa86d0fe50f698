#include "registry/url.h"

#include <algorithm>

#include "registry/str.h"

namespace reclaim {
namespace {

// The scheme://authority prefix of an absolute URL, or "".
std::string_view Origin(std::string_view url) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  const size_t path = url.find_first_of("/?#", sep + 3);
  return path == std::string_view::npos ? url : url.substr(0, path);
}

}  // namespace

std::string QueryEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (str::IsAlnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string EncodeQuery(std::vector<std::pair<std::string, std::string>> params) {
  std::stable_sort(params.begin(), params.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    str::CatTo(&out, QueryEscape(k), "=", QueryEscape(v));
  }
  return out;
}

std::string ResolveUrl(std::string_view base, std::string_view ref) {
  if (ref.find("://") != std::string_view::npos) return std::string(ref);
  if (ref.substr(0, 2) == "//") {
    const size_t sep = base.find("://");
    return str::Cat(base.substr(0, sep == std::string_view::npos ? 0 : sep + 1), ref);
  }
  if (!ref.empty() && ref.front() == '/') return str::Cat(Origin(base), ref);
  std::string_view b = base.substr(0, base.find_first_of("?#"));
  const size_t slash = b.rfind('/');
  const std::string_view origin = Origin(b);
  if (slash == std::string_view::npos || slash < origin.size()) return str::Cat(origin, "/", ref);
  return str::Cat(b.substr(0, slash + 1), ref);
}

std::string AddQuery(std::string_view url, std::string_view query) {
  if (query.empty()) return std::string(url);
  return str::Cat(url, url.find('?') == std::string_view::npos ? "?" : "&", query);
}

std::string UrlHost(std::string_view url) {
  const std::string_view origin = Origin(url);
  if (origin.empty()) return "";
  std::string_view authority = origin.substr(origin.find("://") + 3);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(authority);
}

}  // namespace reclaim
