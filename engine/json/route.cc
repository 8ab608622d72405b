#include "engine/json/route.h"

#include <array>

#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

// The most segments any route has (/v2/resources/events/{id}/seats).
constexpr size_t kMaxSegments = 5;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Route MatchRoute(std::string_view method, std::string_view path) {
  Route route;
  std::string_view p = path;
  if (const size_t q = p.find('?'); q != std::string_view::npos) {
    route.query = p.substr(q + 1);
    p = p.substr(0, q);
  }
  if (p.empty() || p.front() != '/') return route;
  p.remove_prefix(1);
  std::array<std::string_view, kMaxSegments> seg;
  size_t n = 0;
  while (true) {
    const size_t slash = p.find('/');
    const std::string_view s = p.substr(0, slash);
    // Empty segments ("//", a trailing "/") and too many segments match no
    // route.
    if (s.empty() || n == kMaxSegments) return route;
    seg[n++] = s;
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  BOXOFFICE_DCHECK(n >= 1 && n <= kMaxSegments);

  const bool get = method == "GET", post = method == "POST",
             patch = method == "PATCH", del = method == "DELETE";
  const auto pick = [&route](bool ok, RouteKind kind) {
    route.kind = ok ? kind : RouteKind::kMethodNotAllowed;
    return route;
  };
  if (n >= 3 && seg[1] == "resources" && seg[2] == "orders") {
    if (seg[0] == "v1") {
      if (n == 3) return pick(post, RouteKind::kCreateV1);
      if (n == 4) {
        route.id = seg[3];
        if (get) return pick(true, RouteKind::kGetV1);
        if (patch) return pick(true, RouteKind::kPatchV1);
        return pick(del, RouteKind::kDeleteV1);
      }
    } else if (seg[0] == "v2") {
      if (n == 3) {
        if (get) return pick(true, RouteKind::kListV2);
        return pick(post, RouteKind::kCreateV2);
      }
      if (n == 4) {
        route.id = seg[3];
        if (get) return pick(true, RouteKind::kGetV2);
        return pick(patch, RouteKind::kPatchV2);
      }
    }
    return route;
  }
  if (seg[0] == "v2" && n >= 3 && seg[1] == "resources" && seg[2] == "events") {
    if (n == 3) return pick(get, RouteKind::kEventsV2);
    if (n == 5 && seg[4] == "seats") {
      route.id = seg[3];
      return pick(get, RouteKind::kSeatsV2);
    }
    return route;
  }
  if (seg[0] == "v2" && n == 3 && seg[1] == "admin" && seg[2] == "catalog") {
    return pick(post, RouteKind::kAdminCatalog);
  }
  return route;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(
    std::string_view query, size_t max_pairs) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!query.empty() && pairs.size() < max_pairs) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      pairs.emplace_back(PercentDecode(item), std::string());
    } else {
      pairs.emplace_back(PercentDecode(item.substr(0, eq)),
                         PercentDecode(item.substr(eq + 1)));
    }
  }
  return pairs;
}

}  // namespace boxoffice::internal
