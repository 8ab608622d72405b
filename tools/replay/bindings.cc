#include "tools/replay/bindings.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/assert.h"

namespace boxoffice::replay {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxNameBytes = 64;

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

// One "${name}" found in a text: [begin, end) covers the whole reference.
struct Reference {
  size_t begin = 0;
  size_t end = 0;
  std::string_view name;
};

// Finds the next reference at or after `from`; false when there is none.
bool NextReference(std::string_view text, size_t from, Reference* ref) {
  // Each iteration moves `from` forward by at least one character, so the
  // loop ends within text.size() iterations.
  while (from < text.size()) {
    const size_t open = text.find("${", from);
    if (open == std::string_view::npos) return false;
    const size_t close = text.find('}', open + 2);
    if (close == std::string_view::npos) return false;
    const std::string_view name = text.substr(open + 2, close - open - 2);
    if (IsValidName(name)) {
      *ref = {open, close + 1, name};
      return true;
    }
    from = open + 2;
  }
  return false;
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

void Bindings::Bind(const std::string& name, json value) {
  BOXOFFICE_DCHECK(IsValidName(name));
  values_[name] = std::move(value);
}

void Bindings::Unbind(const std::string& name) { values_.erase(name); }

const json* Bindings::Find(std::string_view name) const {
  // Debian's Abseil takes absl::string_view for heterogeneous lookup.
  auto it = values_.find(absl::string_view(name.data(), name.size()));
  return it == values_.end() ? nullptr : &it->second;
}

absl::Status Bindings::SubstituteText(std::string* text,
                                      std::optional<json>* whole) const {
  BOXOFFICE_DCHECK(text != nullptr);
  Reference ref;
  if (!NextReference(*text, 0, &ref)) return absl::OkStatus();
  if (whole != nullptr && ref.begin == 0 && ref.end == text->size()) {
    const json* v = Find(ref.name);
    if (v == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unbound name ${", std::string(ref.name), "}"));
    }
    if (!v->is_string()) {
      *whole = *v;
      return absl::OkStatus();
    }
  }
  // Built into a fresh string: the inserted values are never scanned again,
  // so a bound value that itself contains "${...}" is inserted literally.
  std::string out;
  out.reserve(text->size());
  size_t copied = 0;
  size_t from = 0;
  while (NextReference(*text, from, &ref)) {
    const json* v = Find(ref.name);
    if (v == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unbound name ${", std::string(ref.name), "}"));
    }
    out.append(*text, copied, ref.begin - copied);
    if (v->is_string()) {
      out += v->get_ref<const std::string&>();
    } else {
      out += v->dump();
    }
    copied = ref.end;
    from = ref.end;
  }
  out.append(*text, copied, std::string::npos);
  *text = std::move(out);
  return absl::OkStatus();
}

absl::Status Bindings::Substitute(json* value) const {
  BOXOFFICE_DCHECK(value != nullptr);
  std::vector<json*> stack;
  stack.push_back(value);
  while (!stack.empty()) {
    json* node = stack.back();
    stack.pop_back();
    if (node->is_string()) {
      std::optional<json> whole;
      std::string& text = node->get_ref<std::string&>();
      if (absl::Status s = SubstituteText(&text, &whole); !s.ok()) return s;
      if (whole.has_value()) *node = std::move(*whole);
      continue;
    }
    if (node->is_object()) {
      bool keys_change = false;
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (it.key().find("${") != std::string::npos) {
          keys_change = true;
          break;
        }
      }
      if (keys_change) {
        // Keys of a std::map-backed object are immutable: rebuild it.
        json rebuilt = json::object();
        for (auto it = node->begin(); it != node->end(); ++it) {
          std::string key = it.key();
          if (absl::Status s = SubstituteText(&key, nullptr); !s.ok()) return s;
          rebuilt[key] = std::move(it.value());
        }
        *node = std::move(rebuilt);
      }
      for (auto it = node->begin(); it != node->end(); ++it)
        stack.push_back(&it.value());
      continue;
    }
    if (node->is_array()) {
      for (auto& element : *node) stack.push_back(&element);
    }
  }
  return absl::OkStatus();
}

}  // namespace boxoffice::replay
