// boxoffice-replay: replays a file of JSON commands against a fresh
// in-process engine through the JSON adapter (shared/spec/replay.md,
// docs/REPLAY.md).
//
//   boxoffice-replay [--catalog FILE] [--echo] [--quiet] [--threads N] FILE|-
//
// Exit status: 0 every expectation met, 1 some failed, 2 the file or the
// command line could not be used.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "tools/replay/engine_backend.h"
#include "tools/replay/line_source.h"
#include "tools/replay/runner.h"

namespace {

constexpr char kUsage[] =
    "usage: boxoffice-replay [--catalog FILE] [--echo] [--quiet] [--threads N] "
    "FILE|-\n"
    "  --catalog FILE  load this catalog document (as the operator) before the "
    "file\n"
    "  --echo          print every answer as {\"line\", \"status\", \"body\"} "
    "(JSON Lines);\n"
    "                  failures and the summary then go to standard error\n"
    "  --quiet         no progress line and no summary (failures are still "
    "printed)\n"
    "  --threads N     run lines without at/bind/expect concurrently on N "
    "threads\n"
    "  FILE|-          the replay file, or - for standard input\n";

int BadCommandLine(std::string_view what) {
  std::cerr << "boxoffice-replay: " << what << "\n" << kUsage;
  return boxoffice::replay::kExitUnusable;
}

}  // namespace

int main(int argc, char** argv) {
  using boxoffice::replay::kMaxThreads;
  boxoffice::replay::RunnerConfig config;
  std::optional<std::string> path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--echo") {
      config.echo = true;
    } else if (arg == "--quiet") {
      config.quiet = true;
    } else if (arg == "--catalog" || arg == "--threads") {
      if (i + 1 >= argc)
        return BadCommandLine(std::string(arg) + " needs a value");
      const std::string_view value = argv[++i];
      if (arg == "--catalog") {
        config.catalog_path = std::string(value);
      } else {
        int n = 0;
        auto [end, ec] =
            std::from_chars(value.data(), value.data() + value.size(), n);
        if (ec != std::errc() || end != value.data() + value.size() || n < 1 ||
            n > kMaxThreads) {
          return BadCommandLine("--threads must be an integer from 1 to " +
                                std::to_string(kMaxThreads));
        }
        config.threads = n;
      }
    } else if (arg.size() > 1 && arg[0] == '-') {
      return BadCommandLine("unknown option " + std::string(arg));
    } else if (path.has_value()) {
      return BadCommandLine("more than one file given");
    } else {
      path = std::string(arg);
    }
  }
  if (!path.has_value())
    return BadCommandLine("no file given (use - for standard input)");

  auto source = boxoffice::replay::LineSource::Open(*path);
  if (!source.ok()) {
    std::cerr << "boxoffice-replay: " << source.status().message() << "\n";
    return boxoffice::replay::kExitUnusable;
  }
  config.progress = !config.quiet && isatty(STDERR_FILENO) == 1;
  std::ios::sync_with_stdio(false);
  // With --echo, standard output is a clean JSON Lines capture.
  boxoffice::replay::RunnerOutput output{
      &std::cout, config.echo ? &std::cerr : &std::cout, &std::cerr};
  auto backend = boxoffice::replay::MakeEngineBackend();
  boxoffice::replay::RunStats stats;
  return boxoffice::replay::RunReplay(source->get(), backend.get(), config,
                                      output, &stats);
}
