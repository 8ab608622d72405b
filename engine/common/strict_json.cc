#include "engine/common/strict_json.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/assert.h"

namespace boxoffice::internal {
namespace {

using json = nlohmann::json;

// Builds the DOM iteratively: `stack_` holds the open containers, so no
// function here recurses whatever the nesting (the depth cap bounds the
// stack anyway). Not thread-safe: one builder per parse.
class StrictDomBuilder {
 public:
  StrictDomBuilder(json* root, int max_depth, int wrapper_levels)
      : root_(root),
        max_depth_(max_depth),
        max_levels_(max_depth + wrapper_levels) {
    BOXOFFICE_DCHECK(root != nullptr);
    BOXOFFICE_DCHECK(max_depth >= 1);
    BOXOFFICE_DCHECK(wrapper_levels >= 0);
    stack_.reserve(16);
  }

  bool null() { return Put(json(nullptr)); }
  bool boolean(bool v) { return Put(json(v)); }
  bool number_integer(json::number_integer_t v) { return Put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) {
    // The lexer's strtod turns integers beyond uint64 into doubles, and the
    // parser refuses infinities itself; a NaN cannot be spelled in JSON.
    BOXOFFICE_DCHECK(std::isfinite(v));
    return Put(json(v));
  }
  bool string(json::string_t& v) { return Put(json(std::move(v))); }
  bool binary(json::binary_t& /*v*/) {
    // Only the binary formats (CBOR, ...) produce these; JSON text cannot.
    return Fail("binary value");
  }

  bool start_object(std::size_t /*size*/) {
    return Open(json::value_t::object);
  }
  bool start_array(std::size_t /*size*/) { return Open(json::value_t::array); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(json::string_t& k) {
    BOXOFFICE_DCHECK(!stack_.empty());
    json* object = stack_.back();
    BOXOFFICE_DCHECK(object->is_object());
    auto [it, inserted] = object->get_ref<json::object_t&>().try_emplace(k);
    if (!inserted) {
      // Nothing silently wins: a document that says two things is refused.
      return Fail(absl::StrCat("duplicate key \"", EscapeForMessage(k), "\""));
    }
    pending_ = &it->second;
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    if (reason_.empty()) reason_ = DescribeParseError(position, ex);
    return false;
  }

  const std::string& reason() const { return reason_; }

 private:
  bool Open(json::value_t type) {
    if (static_cast<int>(stack_.size()) >= max_levels_) {
      return Fail(absl::StrCat("nested deeper than ", max_depth_, " levels"));
    }
    json* slot = Slot();
    *slot = json(type);
    stack_.push_back(slot);
    return true;
  }

  bool Close() {
    BOXOFFICE_DCHECK(!stack_.empty());
    stack_.pop_back();
    pending_ = nullptr;
    return true;
  }

  bool Put(json&& v) {
    *Slot() = std::move(v);
    return true;
  }

  // Where the next value goes: the root, the end of the open array, or the
  // member whose key() came last. Pointers into the DOM stay valid because
  // a container only grows at its end (array: only the last element is
  // open, and pushing happens only when the last one is closed) or by map
  // insertion (std::map nodes never move).
  json* Slot() {
    if (stack_.empty()) {
      BOXOFFICE_DCHECK(root_->is_null());
      return root_;
    }
    json* top = stack_.back();
    if (top->is_array()) {
      auto& array = top->get_ref<json::array_t&>();
      array.emplace_back();
      return &array.back();
    }
    BOXOFFICE_DCHECK(top->is_object());
    BOXOFFICE_DCHECK(pending_ != nullptr);
    json* slot = pending_;
    pending_ = nullptr;
    return slot;
  }

  bool Fail(std::string reason) {
    if (reason_.empty()) reason_ = std::move(reason);
    return false;
  }

  // Keys quoted in messages may hold anything; keep the message printable
  // ASCII so that it survives any log or terminal (the JSON writer would
  // escape it anyway).
  static std::string EscapeForMessage(std::string_view s) {
    constexpr size_t kMaxShown = 64;
    std::string out;
    for (size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        out.push_back(static_cast<char>(c));
      } else {
        absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
      }
    }
    if (s.size() > kMaxShown) out += "...";
    return out;
  }

  // nlohmann's messages name its internals ("[json.exception.parse_error.101]
  // parse error at line 1, column 2: syntax error while parsing value - ...;
  // last read: '<raw bytes>'"); callers get a reason in the contract's words
  // and never the raw bytes.
  static std::string DescribeParseError(std::size_t position,
                                        const nlohmann::detail::exception& ex) {
    const std::string_view what = ex.what();
    const std::string at = absl::StrCat(" at byte ", position);
    if (ex.id == 406 ||
        what.find("number overflow") != std::string_view::npos) {
      return absl::StrCat("number out of range of a double", at);
    }
    if (what.find("ill-formed UTF-8") != std::string_view::npos) {
      return absl::StrCat("invalid UTF-8", at);
    }
    if (what.find("surrogate") != std::string_view::npos) {
      return absl::StrCat("lone surrogate in a string", at);
    }
    if (what.find("control character") != std::string_view::npos) {
      return absl::StrCat("unescaped control character in a string", at);
    }
    // "unexpected end of input" contains "expected end of input": test it
    // first.
    if (what.find("unexpected end of input") != std::string_view::npos) {
      return absl::StrCat("unexpected end of input", at);
    }
    if (what.find("expected end of input") != std::string_view::npos) {
      return absl::StrCat("trailing characters after the value", at);
    }
    // Other syntax errors: nlohmann's own description between " - " and
    // "; last read" is ASCII from its fixed vocabulary.
    std::string_view detail = what;
    if (const size_t dash = detail.find(" - ");
        dash != std::string_view::npos) {
      detail.remove_prefix(dash + 3);
    }
    if (const size_t last = detail.find("; last read");
        last != std::string_view::npos) {
      detail = detail.substr(0, last);
    }
    return absl::StrCat("syntax error: ", EscapeForMessage(detail), at);
  }

  json* root_;
  const int max_depth_;
  const int max_levels_;
  std::vector<json*> stack_;
  json* pending_ = nullptr;
  std::string reason_;
};

bool OnlyWhitespace(std::string_view text) {
  for (const char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

}  // namespace

absl::Status ParseStrictJson(std::string_view text,
                             const StrictJsonLimits& limits,
                             nlohmann::json* out) {
  BOXOFFICE_DCHECK(out != nullptr);
  BOXOFFICE_DCHECK(limits.max_depth >= 1);
  BOXOFFICE_DCHECK(limits.wrapper_levels >= 0);
  *out = nullptr;
  if (text.size() > limits.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Body too large: ", text.size(), " bytes, at most ", limits.max_bytes));
  }
  if (OnlyWhitespace(text)) {
    return absl::InvalidArgumentError("Malformed JSON: empty input");
  }
  // nlohmann's lexer takes a NUL byte for the end of the input, so "{}\0x"
  // would pass as "{}". A raw NUL is never valid JSON (inside a string it
  // must be escaped), so refuse it outright.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("Malformed JSON: NUL byte at byte ", nul + 1));
  }
  StrictDomBuilder builder(out, limits.max_depth, limits.wrapper_levels);
  const bool ok = json::sax_parse(text.begin(), text.end(), &builder,
                                  json::input_format_t::json, /*strict=*/true,
                                  /*ignore_comments=*/false);
  if (!ok) {
    BOXOFFICE_DCHECK(!builder.reason().empty());
    *out = nullptr;
    return absl::InvalidArgumentError(
        absl::StrCat("Malformed JSON: ", builder.reason()));
  }
  BOXOFFICE_DCHECK(builder.reason().empty());
  return absl::OkStatus();
}

}  // namespace boxoffice::internal
