// Reads a replay file line by line, never holding more than one line (plus
// a bounded look-ahead on a pipe), so that a file of any length replays in
// bounded memory.
//
// Thread-safety: not synchronized; one reader thread.
#ifndef BOXOFFICE_TOOLS_REPLAY_LINE_SOURCE_H_
#define BOXOFFICE_TOOLS_REPLAY_LINE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <fstream>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace boxoffice::replay {

// Parses an `at` value: RFC 3339 with optional fractional seconds and a
// "Z" or numeric offset. nullopt when malformed.
std::optional<absl::Time> ParseAt(std::string_view text);

// Formats a time as RFC 3339 UTC with microseconds, for reports.
std::string FormatAt(absl::Time t);

// Lines of one replay file. Thread-safety: not synchronized; one reader.
class LineSource {
 public:
  // Bounds of the look-ahead for the first `at` on a stream that cannot be
  // read twice (standard input).
  struct Lookahead {
    size_t max_lines = 10'000;
    size_t max_bytes = size_t{64} << 20;
  };

  // "-" reads standard input; anything else is a file, read twice: once
  // cheaply for its first `at`, once to run. NotFound when it cannot be
  // opened.
  static absl::StatusOr<std::unique_ptr<LineSource>> Open(
      const std::string& path);
  // A stream that cannot be re-read (tests, standard input); not owned.
  explicit LineSource(std::istream* in) : LineSource(in, Lookahead()) {}
  LineSource(std::istream* in, Lookahead lookahead);

  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  // The next line without its newline; false at the end of input. Blank
  // lines are returned too (the runner skips them) so numbers stay true.
  bool Next(std::string* line);
  // 1-based number of the line last returned by Next.
  int64_t line_number() const { return line_number_; }
  // Bytes consumed so far and the input's size (0 when unknown), for the
  // progress line.
  int64_t bytes_read() const { return bytes_read_; }
  int64_t total_bytes() const { return total_bytes_; }
  // True when reading stopped on an I/O error rather than at the end.
  bool failed() const;

  // The time of the first line that has a top-level "at" (a cheap scan:
  // lines are parsed only when they contain "at" in quotes). For a file,
  // a separate read that stops there; for a stream, lines read ahead are
  // kept for Next. nullopt when there is none (or none within the
  // look-ahead bounds on a stream: then *exhausted is set).
  std::optional<absl::Time> FindFirstAt(bool* exhausted);

 private:
  LineSource(std::unique_ptr<std::ifstream> file, std::string path,
             int64_t size);

  std::unique_ptr<std::ifstream> owned_;
  std::istream* in_;
  std::string path_;  // empty: not re-readable
  Lookahead lookahead_;
  std::deque<std::string> ahead_;
  int64_t line_number_ = 0;
  int64_t bytes_read_ = 0;
  int64_t total_bytes_ = 0;
};

// The deepest nesting of arrays and objects in JSON text (brackets outside
// strings), computed without parsing, so that a line is refused before a
// recursive parser could exhaust the stack on it.
size_t JsonNestingDepth(std::string_view text);
inline constexpr size_t kMaxLineDepth = 256;

// The `at` of one line's text, when it is a JSON object with a string
// "at"; for the scans only (the runner parses lines itself).
std::optional<absl::Time> LineAt(const std::string& line, bool* has_at);

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_LINE_SOURCE_H_
