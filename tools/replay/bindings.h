// Names bound from answers (`bind`) and their substitution into later
// requests and expectations (`${name}`), as shared/spec/replay.md says: a
// bound string is inserted as is, another value as its JSON text, and a
// whole string "${name}" bound to a non-string becomes that value.
//
// Thread-safety: a Bindings object is not synchronized; the replay runner
// binds and substitutes on its reading thread only.
#ifndef BOXOFFICE_TOOLS_REPLAY_BINDINGS_H_
#define BOXOFFICE_TOOLS_REPLAY_BINDINGS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "nlohmann/json.hpp"

namespace boxoffice::replay {

// A name is 1..64 of [A-Za-z0-9_.-]; "${...}" holding anything else is
// left as literal text, so that answers and bodies that merely contain "${"
// are not mistaken for references.
bool IsValidName(std::string_view name);

// The names bound so far. Thread-safety: not synchronized; one thread.
class Bindings {
 public:
  // Binds (or rebinds) `name`; the value is copied.
  void Bind(const std::string& name, nlohmann::json value);
  // Forgets `name`: a later reference to it is then unbound.
  void Unbind(const std::string& name);
  const nlohmann::json* Find(std::string_view name) const;
  size_t size() const { return values_.size(); }

  // Replaces every "${name}" in the strings and object keys of *value, in
  // place. Walks with an explicit stack (no recursion). On an unbound name
  // returns InvalidArgument "unbound name ${name}" and leaves *value
  // partially substituted (the caller then discards it).
  absl::Status Substitute(nlohmann::json* value) const;

  // Substitutes inside one string. When `whole` is non-null and the text is
  // exactly one reference to a non-string value, sets *whole to a copy of
  // that value and leaves *text alone.
  absl::Status SubstituteText(std::string* text,
                              std::optional<nlohmann::json>* whole) const;

 private:
  absl::flat_hash_map<std::string, nlohmann::json> values_;
};

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_BINDINGS_H_
