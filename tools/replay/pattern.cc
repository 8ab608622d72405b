#include "tools/replay/pattern.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "engine/common/assert.h"

namespace boxoffice::replay {
namespace {

using json = nlohmann::json;

// Numbers are compared by value whatever their JSON spelling: two integers
// exactly (int64 against uint64 without overflow), anything involving a
// fraction as doubles.
bool NumbersEqual(const json& a, const json& b) {
  BOXOFFICE_DCHECK(a.is_number());
  BOXOFFICE_DCHECK(b.is_number());
  if (a.is_number_integer() && b.is_number_integer()) {
    const bool a_unsigned = a.is_number_unsigned();
    const bool b_unsigned = b.is_number_unsigned();
    if (a_unsigned && b_unsigned) {
      return a.get<uint64_t>() == b.get<uint64_t>();
    }
    if (!a_unsigned && !b_unsigned) {
      return a.get<int64_t>() == b.get<int64_t>();
    }
    // nlohmann stores non-negative integers as unsigned when parsed, so a
    // signed one here may be negative: then they differ.
    const json& s = a_unsigned ? b : a;
    const json& u = a_unsigned ? a : b;
    const int64_t sv = s.get<int64_t>();
    return sv >= 0 && static_cast<uint64_t>(sv) == u.get<uint64_t>();
  }
  return a.get<double>() == b.get<double>();
}

bool ScalarEqual(const json& pattern, const json& actual) {
  if (pattern.is_number())
    return actual.is_number() && NumbersEqual(pattern, actual);
  // Booleans equal only booleans: json's operator== already refuses to
  // compare a boolean with a number, and compares strings and nulls by value.
  if (pattern.type() != actual.type()) return false;
  return pattern == actual;
}

}  // namespace

std::string ShortJson(const json& value, size_t max_bytes) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > max_bytes) {
    text.resize(max_bytes);
    text += "...";
  }
  return text;
}

std::string EscapePointerToken(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool MatchPattern(const json& pattern, const json* actual,
                  std::vector<Mismatch>* out, size_t max_mismatches) {
  BOXOFFICE_DCHECK(out != nullptr);
  BOXOFFICE_DCHECK(max_mismatches >= 1);
  struct Frame {
    const json* pattern;
    const json* actual;  // nullptr: absent
    std::string path;
  };
  // Children are pushed in reverse so that they pop in document order and
  // the report lists differences top to bottom.
  std::vector<Frame> stack;
  stack.push_back({&pattern, actual, ""});
  size_t found = 0;
  const auto report = [&](const Frame& f) {
    ++found;
    if (out->size() < max_mismatches) {
      out->push_back({f.path, ShortJson(*f.pattern),
                      f.actual == nullptr ? "absent" : ShortJson(*f.actual)});
    }
  };
  while (!stack.empty() && out->size() < max_mismatches) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    const json& p = *f.pattern;
    if (p.is_string()) {
      const auto& s = p.get_ref<const std::string&>();
      if (s == kAny) {
        if (f.actual == nullptr) report(f);
        continue;
      }
      if (s == kAbsent) {
        if (f.actual != nullptr) report(f);
        continue;
      }
    }
    if (f.actual == nullptr) {
      report(f);
      continue;
    }
    const json& a = *f.actual;
    if (p.is_object()) {
      if (!a.is_object()) {
        report(f);
        continue;
      }
      const size_t first = stack.size();
      for (auto it = p.begin(); it != p.end(); ++it) {
        auto found_it = a.find(it.key());
        stack.push_back({&it.value(),
                         found_it == a.end() ? nullptr : &*found_it,
                         f.path + "/" + EscapePointerToken(it.key())});
      }
      std::reverse(stack.begin() + first, stack.end());
      continue;
    }
    if (p.is_array()) {
      if (!a.is_array() || a.size() != p.size()) {
        report(f);
        continue;
      }
      for (size_t i = p.size(); i-- > 0;) {
        stack.push_back({&p[i], &a[i], f.path + "/" + std::to_string(i)});
      }
      continue;
    }
    if (!ScalarEqual(p, a)) report(f);
  }
  // The loop stops early only once the report is full, and then at least
  // one mismatch was found.
  BOXOFFICE_DCHECK(stack.empty() || found > 0);
  return found == 0 && stack.empty();
}

}  // namespace boxoffice::replay
