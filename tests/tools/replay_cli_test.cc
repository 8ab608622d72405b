// boxoffice-replay as a program, with the real engine behind the adapter:
// the command line's exit statuses, standard input, --echo capture, and a
// 1,000,000-line file replayed in bounded memory (peak RSS of the child,
// from wait4).
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

extern char** environ;

namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

struct Outcome {
  int code = -1;
  std::string out, err;
  long max_rss_kib = 0;
};

class ReplayCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat(
               "boxoffice_cli_", getpid(), "_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Runs the program with `args`; standard input from `stdin_path` (or
  // /dev/null). Its own rusage comes from wait4, so it is this child's peak.
  Outcome Run(const std::vector<std::string>& args,
              const std::string& stdin_path = "/dev/null") {
    const std::string out = (dir_ / "stdout").string();
    const std::string err = (dir_ / "stderr").string();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY,
                                     0);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> argv_s = {BOXOFFICE_REPLAY_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    // ASan's quarantine (256 MiB by default) would show up as the child's
    // resident memory; a small one keeps the peak about the program.
    std::vector<std::string> env_s;
    bool asan_set = false;
    for (char** e = environ; *e != nullptr; ++e) {
      env_s.emplace_back(*e);
      if (env_s.back().rfind("ASAN_OPTIONS=", 0) == 0) {
        env_s.back() += ":quarantine_size_mb=4";
        asan_set = true;
      }
    }
    if (!asan_set) env_s.emplace_back("ASAN_OPTIONS=quarantine_size_mb=4");
    std::vector<char*> env;
    for (std::string& e : env_s) env.push_back(e.data());
    env.push_back(nullptr);
    pid_t pid = 0;
    Outcome o;
    const int rc =
        posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      ADD_FAILURE() << "posix_spawn failed: " << rc;
      return o;
    }
    int status = 0;
    struct rusage usage {};
    if (wait4(pid, &status, 0, &usage) != pid) {
      ADD_FAILURE() << "wait4 failed";
      return o;
    }
    o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    o.max_rss_kib = usage.ru_maxrss;
    o.out = Slurp(out);
    o.err = Slurp(err);
    return o;
  }

  std::filesystem::path dir_;
};

constexpr char kCatalog[] =
    R"({"catalog": {"partners": [{"id": "56810047f06c5a6ac62f4e1d", "name": "P", "key": "k1"}], )"
    R"("events": [{"id": "56a6253df06c5a059a93802e", "org": "56810047f06c5a6ac62f4e1d", )"
    R"("status": "public", "title": {"text": "Concert", "desc": ""}, )"
    R"("lifetime": {"start": "2016-02-20T16:00:00Z", "finish": "2016-02-20T19:00:00Z"}, )"
    R"("timezone": "Europe/Moscow", "sets": [{"id": "56a6254bf06c5a059b93800c", "name": "Floor", )"
    R"("price": "100.00", "with_seats": false, "count": 1000}]}]}})";

constexpr char kCreate[] =
    R"({"request": {"method": "POST", "path": "/v2/resources/orders", "headers": )"
    R"({"Authorization": "key k1"}, "body": {"event": "56a6253df06c5a059a93802e", )"
    R"("random": {"56a6254bf06c5a059b93800c": 2}}}})";

TEST_F(ReplayCliTest, CommandLineErrorsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"--bogus", "x.jsonl"},
           {"--threads", "0", "x.jsonl"},
           {"--threads", "many", "x.jsonl"},
           {"--threads"},
           {"a.jsonl", "b.jsonl"},
       }) {
    Outcome o = Run(args);
    EXPECT_EQ(o.code, 2) << absl::StrJoin(args, " ");
    EXPECT_THAT(o.err, HasSubstr("usage: boxoffice-replay"))
        << absl::StrJoin(args, " ");
  }
  Outcome o = Run({(dir_ / "missing.jsonl").string()});
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("cannot open"));
  EXPECT_EQ(Run({"--help"}).code, 0);
}

TEST_F(ReplayCliTest, UnusableFileExitsTwoNamingTheLine) {
  Outcome o = Run(
      {Write("bad.jsonl", absl::StrCat(kCatalog, "\n", "{\"request\": \n"))});
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("boxoffice-replay: line 2: not JSON"));
  o = Run({Write("refused.jsonl",
                 R"({"catalog": {"partners": [{"id": "nope"}], "events": []}})"
                 "\n")});
  EXPECT_EQ(o.code, 2);
  EXPECT_THAT(o.err, HasSubstr("line 1: catalog refused:\n  /partners/0/"));
}

TEST_F(ReplayCliTest, ExpectationsDecideZeroOrOne) {
  const std::string ok =
      Write("ok.jsonl",
            absl::StrCat(kCatalog, "\n", R"({"at": "2020-01-01T00:00:00Z"})",
                         "\n", kCreate, "\n"));
  EXPECT_EQ(Run({ok}).code, 0);
  std::string failing(kCreate);
  failing.pop_back();
  absl::StrAppend(
      &failing,
      R"(, "expect": {"status": 200, "body": {"data": {"status": "done"}}}})");
  Outcome o =
      Run({Write("fail.jsonl", absl::StrCat(kCatalog, "\n", failing, "\n"))});
  EXPECT_EQ(o.code, 1);
  EXPECT_THAT(
      o.out,
      HasSubstr(
          R"(line 2: at /data/status: expected "done", actual "executed")"));
  EXPECT_THAT(o.out, HasSubstr("expectations met 0, failed 1"));
}

TEST_F(ReplayCliTest, StandardInputEchoAndCatalogFlag) {
  std::string catalog_doc(kCatalog);
  catalog_doc = catalog_doc.substr(std::string_view(R"({"catalog": )").size());
  catalog_doc.pop_back();
  const std::string catalog = Write("catalog.json", catalog_doc);
  const std::string input =
      Write("in.jsonl", absl::StrCat(kCreate, "\n", kCreate, "\n"));
  Outcome o = Run({"--echo", "--catalog", catalog, "-"}, input);
  EXPECT_EQ(o.code, 0) << o.err;
  std::vector<std::string> lines =
      absl::StrSplit(o.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << o.out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json answer = json::parse(lines[i]);
    EXPECT_EQ(answer["line"], i + 1);
    EXPECT_EQ(answer["status"], 200);
    EXPECT_EQ(answer["body"]["data"]["tickets"].size(), 2u);
  }
  // With --echo the summary goes to standard error, keeping stdout JSON.
  EXPECT_THAT(o.err, HasSubstr("requests 2"));
}

TEST_F(ReplayCliTest, ThreadedRunCountsAddUp) {
  std::string text = absl::StrCat(kCatalog, "\n");
  for (int i = 0; i < 400; ++i) absl::StrAppend(&text, kCreate, "\n");
  Outcome o = Run({"--threads", "2", Write("load.jsonl", text)});
  EXPECT_EQ(o.code, 0) << o.out << o.err;
  // 400 orders of 2 from 1000 tickets, all run concurrently.
  EXPECT_THAT(o.out, HasSubstr("requests 400"));
  EXPECT_THAT(
      o.out,
      HasSubstr("engine: 1000 tickets = 200 vacant + 800 reserved + 0 sold; "
                "counts add up, invariants hold"));
}

// As in runner_test.cc: 1,000,000 lines, or under sanitizers an eighth as
// many and eight times as long (the same ~60 MB), to fit CI's time budget.
#if defined(BOXOFFICE_SANITIZED)
constexpr int64_t kStreamLines = 125'000;
constexpr size_t kStreamPadding = 480;
#else
constexpr int64_t kStreamLines = 1'000'000;
constexpr size_t kStreamPadding = 34;
#endif

// Lines of a big file, cheap to run: `at` every 1000 lines, a request
// every 100, comments otherwise.
std::string BigFile(const std::filesystem::path& path, int64_t lines) {
  std::ofstream out(path);
  out << R"({"options": {"reservation_ttl": "10m"}})"
      << "\n"
      << kCatalog << "\n";
  for (int64_t i = 3; i <= lines; ++i) {
    if (i % 1000 == 0) {
      out << R"({"at": "2020-01-01T00:00:00.)"
          << absl::StrCat(100000 + i / 1000).substr(1) << "Z\"}\n";
    } else if (i % 100 == 0) {
      out << R"({"request": {"method": "GET", "path": "/v2/resources/events", "headers": )"
             R"({"Authorization": "key k1"}}, "expect": {"status": 200}})"
          << "\n";
    } else {
      out << R"({"comment": "line )" << i << ", "
          << std::string(kStreamPadding, '.') << "\"}"
          << "\n";
    }
  }
  return path.string();
}

TEST_F(ReplayCliTest, MillionLineFileInBoundedMemory) {
  const std::string small = BigFile(dir_ / "small.jsonl", 10'000);
  const std::string big = BigFile(dir_ / "big.jsonl", kStreamLines);
  ASSERT_GT(std::filesystem::file_size(big), size_t{50} << 20);
  Outcome s = Run({"--quiet", small});
  ASSERT_EQ(s.code, 0) << s.out << s.err;
  Outcome b = Run({"--quiet", big});
  ASSERT_EQ(b.code, 0) << b.out << b.err;
  // The big file is over 50 MiB; a runner that kept it would grow by that much.
  EXPECT_LT(b.max_rss_kib - s.max_rss_kib, 16 * 1024)
      << "small run peak " << s.max_rss_kib << " KiB, big run peak "
      << b.max_rss_kib << " KiB";
}

}  // namespace
