#include "tools/replay/line_source.h"

#include <iostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/common/assert.h"
#include "nlohmann/json.hpp"

namespace boxoffice::replay {

std::optional<absl::Time> ParseAt(std::string_view text) {
  absl::Time t;
  std::string err;
  // RFC3339_full accepts fractional seconds of any length and "Z" or
  // "+hh:mm"; absl::Time keeps nanoseconds, the engine's clock truncates
  // to microseconds.
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &err)) {
    return std::nullopt;
  }
  return t;
}

std::string FormatAt(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

size_t JsonNestingDepth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      ++depth;
      if (depth > deepest) deepest = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::optional<absl::Time> LineAt(const std::string& line, bool* has_at) {
  *has_at = false;
  if (line.find("\"at\"") == std::string::npos) return std::nullopt;
  if (JsonNestingDepth(line) > kMaxLineDepth) return std::nullopt;
  nlohmann::json j =
      nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("at");
  if (it == j.end()) return std::nullopt;
  *has_at = true;
  if (!it->is_string()) return std::nullopt;
  return ParseAt(it->get_ref<const std::string&>());
}

absl::StatusOr<std::unique_ptr<LineSource>> LineSource::Open(
    const std::string& path) {
  if (path == "-") return std::make_unique<LineSource>(&std::cin);
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!file->is_open()) {
    return absl::NotFoundError(absl::StrCat("cannot open ", path));
  }
  file->seekg(0, std::ios::end);
  const std::streamoff size = file->tellg();
  file->seekg(0, std::ios::beg);
  // A FIFO or other unseekable path reports -1: treat it as a stream.
  if (size < 0) {
    file->clear();
    auto source =
        std::unique_ptr<LineSource>(new LineSource(std::move(file), "", 0));
    return source;
  }
  return std::unique_ptr<LineSource>(
      new LineSource(std::move(file), path, size));
}

LineSource::LineSource(std::istream* in, Lookahead lookahead)
    : in_(in), lookahead_(lookahead) {
  BOXOFFICE_DCHECK(in != nullptr);
}

LineSource::LineSource(std::unique_ptr<std::ifstream> file, std::string path,
                       int64_t size)
    : owned_(std::move(file)),
      in_(owned_.get()),
      path_(std::move(path)),
      total_bytes_(size) {}

bool LineSource::failed() const { return in_->bad(); }

bool LineSource::Next(std::string* line) {
  if (!ahead_.empty()) {
    *line = std::move(ahead_.front());
    ahead_.pop_front();
  } else if (!std::getline(*in_, *line)) {
    return false;
  }
  ++line_number_;
  bytes_read_ += static_cast<int64_t>(line->size()) + 1;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

std::optional<absl::Time> LineSource::FindFirstAt(bool* exhausted) {
  *exhausted = false;
  BOXOFFICE_DCHECK(line_number_ == 0);  // before the run starts
  std::string line;
  if (!path_.empty()) {
    std::ifstream scan(path_, std::ios::binary);
    // Reads until the first line with an "at"; one line in memory at a time.
    while (std::getline(scan, line)) {
      bool has_at = false;
      std::optional<absl::Time> at = LineAt(line, &has_at);
      if (has_at) return at;
    }
    return std::nullopt;
  }
  size_t bytes = 0;
  while (ahead_.size() < lookahead_.max_lines && bytes < lookahead_.max_bytes) {
    if (!std::getline(*in_, line)) return std::nullopt;
    bytes += line.size() + 1;
    bool has_at = false;
    std::optional<absl::Time> at = LineAt(line, &has_at);
    ahead_.push_back(std::move(line));
    if (has_at) return at;
  }
  *exhausted = true;
  return std::nullopt;
}

}  // namespace boxoffice::replay
