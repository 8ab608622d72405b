// Expectation patterns of replay files (shared/spec/replay.md): a pattern
// matches an answer when every key it names is present and matches (keys it
// leaves out are not checked), arrays have the same length and match element
// by element, numbers are equal by value, booleans equal only booleans, and
// other values are equal. "$any" matches any present value; "$absent", as a
// key's value, matches only when the answer lacks that key.
//
// Thread-safety: pure functions.
#ifndef BOXOFFICE_TOOLS_REPLAY_PATTERN_H_
#define BOXOFFICE_TOOLS_REPLAY_PATTERN_H_

#include <cstddef>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace boxoffice::replay {

inline constexpr char kAny[] = "$any";
inline constexpr char kAbsent[] = "$absent";

// One place where an answer differs from its pattern.
struct Mismatch {
  std::string path;      // JSON pointer inside the body ("" is the body itself)
  std::string expected;  // the pattern there, as compact JSON
  std::string actual;    // the answer there, as compact JSON, or "absent"
};

// Compares `actual` (nullptr: absent) with `pattern`. Appends at most
// `max_mismatches` differences to *out, in document order, and returns
// true when there is none. Walks with an explicit stack (no recursion), so
// any nesting the JSON parser accepted is safe.
bool MatchPattern(const nlohmann::json& pattern, const nlohmann::json* actual,
                  std::vector<Mismatch>* out, size_t max_mismatches = 16);

// Compact JSON of `value`, cut to about `max_bytes` with "..." when longer,
// for reports.
std::string ShortJson(const nlohmann::json& value, size_t max_bytes = 200);

// Escapes a key as a JSON pointer reference token (RFC 6901: "~" -> "~0",
// "/" -> "~1").
std::string EscapePointerToken(const std::string& key);

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_PATTERN_H_
