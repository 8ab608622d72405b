// The replay runner: reads a replay file (shared/spec/replay.md) line by
// line and drives a ReplayBackend with it: options, catalog, virtual time,
// requests, expectations, bindings; prints failures and a summary and
// decides the exit status.
//
// Time: before the first line runs, the first `at` of the file is found (a
// cheap scan of a file; a bounded look-ahead on a pipe, see LineSource) and
// the clock starts there, so lines before it run at that time. A file with
// no `at` (or, on a pipe, none within the look-ahead) runs on the wall
// clock: the clock follows absl::Now() before each line that runs a
// request, until an `at` line, if any, puts it on virtual time for good.
//
// Thread-safety: RunReplay is not reentrant on one backend; it uses
// `config.threads` worker threads internally in --threads mode.
#ifndef BOXOFFICE_TOOLS_REPLAY_RUNNER_H_
#define BOXOFFICE_TOOLS_REPLAY_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "boxoffice/json_adapter.h"
#include "boxoffice/options.h"
#include "boxoffice/order.h"
#include "nlohmann/json.hpp"
#include "tools/replay/backend.h"
#include "tools/replay/line_source.h"

namespace boxoffice::replay {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUnusable = 2;

// Worker threads of --threads; a bound, not a default.
inline constexpr int kMaxThreads = 256;

struct RunnerConfig {
  std::optional<std::string> catalog_path;  // --catalog FILE
  bool echo = false;                        // --echo
  bool quiet = false;                       // --quiet: no summary, no progress
  int threads = 1;                          // --threads N (1: all in order)
  bool progress = false;  // the caller decides: stderr is a terminal && !quiet
  // Requests gathered between two barriers before they run; bounds the
  // memory of --threads mode (and of --echo's answers kept for ordering).
  size_t batch_max = 4096;
};

// Where output goes; none may be null. `echo` carries --echo's JSON lines,
// `report` the failures and the summary, `error` the unusable-file message
// and the progress line.
struct RunnerOutput {
  std::ostream* echo;
  std::ostream* report;
  std::ostream* error;
};

struct RunStats {
  int64_t lines = 0;     // non-blank lines read
  int64_t requests = 0;  // requests run
  int64_t met = 0;       // expectations met
  int64_t failed = 0;    // expectations failed, failed lines, failed audit
  double seconds = 0;
  std::optional<InventoryTotals> totals;  // from the final audit
};

// Engine and adapter options from an `options` line's value. Unknown keys
// and bad values are InvalidArgument naming the key.
absl::Status ParseOptions(const nlohmann::json& value, EngineOptions* engine,
                          JsonAdapterOptions* adapter);

// Runs the whole file; returns kExitOk, kExitFailed or kExitUnusable.
int RunReplay(LineSource* source, ReplayBackend* backend,
              const RunnerConfig& config, const RunnerOutput& output,
              RunStats* stats);

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_RUNNER_H_
