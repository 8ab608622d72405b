// Routing of the adapter's paths (json-adapter.md's table) and parsing of
// the list route's query string.
//
// Thread-safety: pure functions.
#ifndef BOXOFFICE_ENGINE_JSON_ROUTE_H_
#define BOXOFFICE_ENGINE_JSON_ROUTE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boxoffice::internal {

enum class RouteKind {
  kNotFound,          // 404 whatever the method and key
  kMethodNotAllowed,  // the path is a route, the method is not one of its
  kCreateV1,
  kGetV1,
  kPatchV1,
  kDeleteV1,
  kCreateV2,
  kGetV2,
  kPatchV2,
  kListV2,
  kEventsV2,
  kSeatsV2,
  kAdminCatalog,
};

struct Route {
  RouteKind kind = RouteKind::kNotFound;
  std::string_view id;     // the {id} segment, as given (not yet validated)
  std::string_view query;  // after '?', without it; "" when none
};

// Matches method and path (with its query string) against the table.
// Methods are case-sensitive, as in HTTP. The views point into `path`.
Route MatchRoute(std::string_view method, std::string_view path);

// `a=1&b=x%20y` into pairs, percent-decoded ('+' is a space). Malformed
// escapes are kept literally. At most `max_pairs` pairs are returned; the
// rest are ignored (a query longer than any route reads is not an error).
std::vector<std::pair<std::string, std::string>> ParseQuery(
    std::string_view query, size_t max_pairs = 64);

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_JSON_ROUTE_H_
