// Strict JSON parsing for every document that crosses the API (request
// bodies, envelopes, catalog documents): one SAX pass over the text that
// builds an nlohmann::json DOM and refuses, while parsing, what nlohmann's
// own parser would accept or crash on later:
//   - nesting deeper than max_depth (nlohmann has no limit of its own, and
//     copying or dumping a deep value recurses once per level, so the cap
//     must act before the DOM exists, not after);
//   - duplicate object keys (nlohmann lets the last one silently win; here
//     nothing silently wins, the document is refused);
//   - numbers that do not fit a double (1e400), invalid UTF-8, lone
//     surrogates, trailing characters and empty input.
//
// Thread-safety: a pure function; concurrent calls share nothing.
#ifndef BOXOFFICE_ENGINE_COMMON_STRICT_JSON_H_
#define BOXOFFICE_ENGINE_COMMON_STRICT_JSON_H_

#include <cstddef>
#include <string_view>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace boxoffice::internal {

struct StrictJsonLimits {
  // Longer text is refused before parsing: "Body too large: <n> bytes, at
  // most <max_bytes>".
  size_t max_bytes = size_t{1} << 20;
  // The deepest nesting accepted: `{}` and `[]` are one level, `[[]]` two.
  // Deeper text is refused as soon as the parser opens level max_depth + 1,
  // with "Malformed JSON: nested deeper than <max_depth> levels".
  int max_depth = 64;
  // Levels of an enclosing wrapper that do not count against max_depth (the
  // adapter's envelope `{"body": {...}}` holds the body one level down, and
  // the body's own limit is what the message must name). 0 for a plain
  // document.
  int wrapper_levels = 0;
};

// Parses `text` into *out. On any refusal returns InvalidArgument with
// exactly one message, "Malformed JSON: <reason>" (or "Body too large: ..."),
// and leaves *out null. Integers stay integers: nlohmann's number_integer
// (int64) or number_unsigned (uint64); anything with a fraction or an
// exponent, or an integer beyond uint64, is a double (check the type before
// converting: get<int64_t>() of a uint64 above INT64_MAX silently wraps).
absl::Status ParseStrictJson(std::string_view text,
                             const StrictJsonLimits& limits,
                             nlohmann::json* out);

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_COMMON_STRICT_JSON_H_
