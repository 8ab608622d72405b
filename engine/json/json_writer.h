// A minimal JSON text writer that appends straight into one std::string, so
// that a response costs no DOM and no intermediate strings. Strings are
// escaped per RFC 8259, and any byte sequence that is not valid UTF-8 is
// written as U+FFFD, so the output is valid JSON whatever the input (a path
// or a key echoed in an error message may hold anything).
//
// Thread-safety: none; one writer per response. The writer borrows `out`.
#ifndef BOXOFFICE_ENGINE_JSON_JSON_WRITER_H_
#define BOXOFFICE_ENGINE_JSON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "boxoffice/money.h"
#include "boxoffice/object_id.h"
#include "engine/common/assert.h"

namespace boxoffice::internal {

// Appends `s` as a quoted JSON string.
void AppendJsonString(std::string_view s, std::string* out);

// "2016-01-26T13:29:12.624000+00:00" (v1: UTC, microseconds).
void AppendTimeV1(absl::Time t, std::string* out);
// "2019-09-25 16:14:01" (v2: UTC, sub-seconds truncated).
void AppendTimeV2(absl::Time t, std::string* out);

class JsonWriter {
 public:
  // The deepest nesting the writer tracks; responses are at most ~6 deep.
  static constexpr int kMaxDepth = 32;

  explicit JsonWriter(std::string* out) : out_(out) {
    BOXOFFICE_DCHECK(out != nullptr);
  }

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // An object member's key given as a string literal: the adapter's own
  // keys are plain ASCII, so they are copied as they are, without the
  // escaping scan (the writer's hottest path).
  template <size_t N>
  void Key(const char (&literal)[N]) {
    static_assert(N >= 1);
    BOXOFFICE_DCHECK(depth_ > 0);
    BOXOFFICE_DCHECK(!after_key_);
    BOXOFFICE_DCHECK(IsPlainKey(std::string_view(literal, N - 1)));
    Separate();
    out_->push_back('"');
    out_->append(literal, N - 1);
    out_->append("\":", 2);
    after_key_ = true;
  }

  // An object member's key of any text (escaped); the value call that
  // follows completes it.
  void Key(std::string_view key) {
    BOXOFFICE_DCHECK(depth_ > 0);
    BOXOFFICE_DCHECK(!after_key_);
    Separate();
    AppendJsonString(key, out_);
    out_->push_back(':');
    after_key_ = true;
  }
  void KeyId(const ObjectId& id) {
    BOXOFFICE_DCHECK(depth_ > 0);
    BOXOFFICE_DCHECK(!after_key_);
    Separate();
    out_->push_back('"');
    id.AppendTo(out_);
    out_->append("\":");
    after_key_ = true;
  }

  void String(std::string_view s) {
    BeforeValue();
    AppendJsonString(s, out_);
  }
  void Id(const ObjectId& id) {
    BeforeValue();
    out_->push_back('"');
    id.AppendTo(out_);
    out_->push_back('"');
  }
  void Int(int64_t v);
  void Bool(bool v) {
    BeforeValue();
    out_->append(v ? "true" : "false");
  }
  void Null() {
    BeforeValue();
    out_->append("null");
  }
  void MoneyString(Money m) {
    BeforeValue();
    out_->push_back('"');
    AppendMoney(m, out_);
    out_->push_back('"');
  }
  void TimeV1(absl::Time t) {
    BeforeValue();
    AppendTimeV1(t, out_);
  }
  void TimeV2(absl::Time t) {
    BeforeValue();
    AppendTimeV2(t, out_);
  }
  // A value that is already JSON text (a pre-rendered fragment, or a
  // customer object the engine keeps as text). The caller vouches for it.
  void Raw(std::string_view json) {
    BeforeValue();
    out_->append(json);
  }

  // True when every container opened has been closed.
  bool Complete() const { return depth_ == 0 && !after_key_; }

 private:
  void Open(char c) {
    BeforeValue();
    BOXOFFICE_CHECK(depth_ < kMaxDepth);
    out_->push_back(c);
    is_object_[depth_] = (c == '{');
    first_[depth_++] = true;
  }
  void Close(char c) {
    BOXOFFICE_DCHECK(depth_ > 0);
    BOXOFFICE_DCHECK(is_object_[depth_ - 1] == (c == '}'));
    BOXOFFICE_DCHECK(!after_key_);
    --depth_;
    out_->push_back(c);
  }
  void Separate() {
    if (!first_[depth_ - 1]) out_->push_back(',');
    first_[depth_ - 1] = false;
  }
  // Inside an object a value follows its key; inside an array it follows a
  // comma unless it is the first element.
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ > 0) {
      BOXOFFICE_DCHECK(!is_object_[depth_ - 1]);  // a member needs Key() first
      Separate();
    }
  }

  static bool IsPlainKey(std::string_view key) {
    for (const char c : key) {
      if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
    }
    return true;
  }

  std::string* out_;
  int depth_ = 0;
  bool after_key_ = false;
  bool first_[kMaxDepth] = {};
  bool is_object_[kMaxDepth] = {};
};

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_JSON_JSON_WRITER_H_
