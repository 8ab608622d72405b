// The replay runner against a fake backend: line kinds, time, patterns in
// context, binding, every exit status, threads, and streaming in bounded
// memory.
#include "tools/replay/runner.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/tools/fake_backend.h"

#if defined(__SANITIZE_ADDRESS__)
// ASan keeps freed memory in a quarantine (256 MiB by default), which would
// show up as resident memory in the streaming test; a small one keeps the
// measurement about the runner.
extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=4";
}
#endif

namespace boxoffice::replay {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using json = nlohmann::json;
using testing::FakeBackend;

struct Result {
  int code = -1;
  std::string echo, report, error;
  RunStats stats;
};

Result Replay(const std::string& text, FakeBackend* backend,
              RunnerConfig config = {}) {
  std::istringstream in(text);
  LineSource source(&in);
  std::ostringstream echo, report, error;
  Result r;
  r.code =
      RunReplay(&source, backend, config, {&echo, &report, &error}, &r.stats);
  r.echo = echo.str();
  r.report = report.str();
  r.error = error.str();
  return r;
}

Result Replay(const std::string& text, RunnerConfig config = {}) {
  FakeBackend backend;
  return Replay(text, &backend, config);
}

constexpr char kPostA[] =
    R"({"request": {"method": "POST", "path": "/things", "body": {"name": "a"}})";

TEST(RunnerTest, EmptyFileSucceeds) {
  FakeBackend backend;
  Result r = Replay("", &backend);
  EXPECT_EQ(r.code, kExitOk) << r.report << r.error;
  EXPECT_EQ(backend.opens, 1);
  EXPECT_EQ(backend.audits, 1);
  EXPECT_EQ(r.stats.lines, 0);
}

TEST(RunnerTest, CommentsAndBlankLinesAreSkipped) {
  Result r = Replay(
      "\n{\"comment\": \"hello\"}\n   \n{\"comment\": {\"any\": [1]}}\n");
  EXPECT_EQ(r.code, kExitOk) << r.report << r.error;
  EXPECT_EQ(r.stats.lines, 2);
  EXPECT_EQ(r.stats.requests, 0);
}

TEST(RunnerTest, ExpectationMet) {
  Result r = Replay(absl::StrCat(
      R"({"request": {"method": "POST", "path": "/things", "body": {"name": "a"}},)",
      R"( "expect": {"status": 201, "body": {"id": "t1", "name": "a", "tags": ["$any", "b"],)",
      R"( "missing": "$absent", "nested": {"y": [1.0, 2.5, true, null]}}}})",
      "\n"));
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(r.stats.met, 1);
  EXPECT_EQ(r.stats.failed, 0);
  EXPECT_EQ(r.stats.requests, 1);
  EXPECT_THAT(r.report, HasSubstr("expectations met 1, failed 0"));
}

TEST(RunnerTest, FailureReportNamesLinePathExpectedActual) {
  Result r = Replay(absl::StrCat(
      "{\"comment\": \"first\"}\n", kPostA,
      R"(, "expect": {"status": 201, "body": {"name": "b", "nested": {"y": [1, 2.5, false, null]}}}})",
      "\n"));
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_EQ(r.stats.failed, 1);
  EXPECT_THAT(r.report,
              HasSubstr(R"(line 2: at /name: expected "b", actual "a")"));
  EXPECT_THAT(
      r.report,
      HasSubstr(R"(line 2: at /nested/y/2: expected false, actual true)"));
}

TEST(RunnerTest, StatusMismatchShowsTheBody) {
  Result r = Replay(
      R"({"request": {"method": "GET", "path": "/things/t9"}, "expect": {"status": 200}})"
      "\n");
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(
      r.report,
      HasSubstr(
          R"(line 1: status: expected 200, actual 404 (body {"errors":["Not found"]}))"));
}

TEST(RunnerTest, BindAndSubstitute) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(
          kPostA, R"(, "bind": {"id": "/id", "n": "/n", "tags": "/tags"}})",
          "\n",
          // A bound string inside a path and inside an expected value.
          R"({"request": {"method": "GET", "path": "/things/${id}"}, "expect": {"status": 200, "body": {"id": "${id}", "n": "${n}", "tags": "${tags}"}}})",
          "\n",
          // Whole "${n}" becomes the number; keys are substituted.
          R"({"request": {"method": "POST", "path": "/things", "body": {"name": "${n}"}}, "expect": {"body": {"name": 1, "${id}x": "$absent"}}})",
          "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(r.stats.met, 2);
}

TEST(RunnerTest, UnboundNameFailsTheLineAndSkipsItsRequest) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(R"({"request": {"method": "GET", "path": "/things/${id}"}})",
                   "\n", kPostA, R"(, "expect": {"status": 201}})", "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.report, HasSubstr("line 1: unbound name ${id}"));
  EXPECT_EQ(backend.handled.load(), 1);  // only line 2 ran
  EXPECT_EQ(r.stats.requests, 1);
  EXPECT_EQ(r.stats.met, 1);
  EXPECT_EQ(r.stats.failed, 1);
}

TEST(RunnerTest, UnboundNameInExpectFailsTheLine) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(kPostA, R"(, "expect": {"body": {"id": "${nope}"}}})", "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.report, HasSubstr("line 1: unbound name ${nope}"));
  EXPECT_EQ(backend.handled.load(), 0);
}

TEST(RunnerTest, BindPointerNamingNothingFailsAndUnbinds) {
  Result r = Replay(absl::StrCat(
      kPostA, R"(, "bind": {"id": "/id"}})", "\n", kPostA,
      R"(, "bind": {"id": "/nope/0"}})", "\n",
      R"({"request": {"method": "GET", "path": "/things/${id}"}})", "\n"));
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(
      r.report,
      HasSubstr("line 2: bind id: /nope/0 names nothing in the answer"));
  EXPECT_THAT(r.report, HasSubstr("line 3: unbound name ${id}"));
  EXPECT_EQ(r.stats.failed, 2);
}

TEST(RunnerTest, BindIntoArraysAndTheWholeBody) {
  Result r = Replay(absl::StrCat(
      kPostA, R"(, "bind": {"tag": "/tags/1", "all": "", "bad": "/tags/x"}})",
      "\n",
      R"({"request": {"method": "POST", "path": "/things", "body": {"name": "${tag}"}}, "expect": {"body": {"name": "b"}}})",
      "\n"));
  EXPECT_EQ(r.code, kExitFailed);  // /tags/x names nothing
  EXPECT_THAT(r.report, HasSubstr("line 1: bind bad: /tags/x names nothing"));
  EXPECT_EQ(r.stats.met, 1);
}

TEST(RunnerTest, ClockStartsAtTheFirstAt) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(
          R"({"request": {"method": "GET", "path": "/now"}, "expect": {"body": {"now": "2016-01-26T13:29:12.624000Z"}}})",
          "\n", R"({"at": "2016-01-26T13:29:12.624Z"})", "\n",
          R"({"at": "2016-01-26T16:29:12.624001+03:00", "request": {"method": "GET", "path": "/now"}, "expect": {"body": {"now": "2016-01-26T13:29:12.624001Z"}}})",
          "\n",
          R"({"request": {"method": "GET", "path": "/now"}, "expect": {"body": {"now": "2016-01-26T13:29:12.624001Z"}}})",
          "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(r.stats.met, 3);
  // Expiry ran at each `at` (AdvanceTo), and only then: the clock stays
  // where it was without one.
  ASSERT_EQ(backend.advances.size(), 2u);
  EXPECT_EQ(backend.advances[1], *ParseAt("2016-01-26T13:29:12.624001Z"));
}

TEST(RunnerTest, AtAloneMovesTheClock) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(
          R"({"at": "2020-01-01T00:00:00Z"})", "\n",
          R"({"at": "2020-01-01T00:10:00Z"})", "\n",
          R"({"request": {"method": "GET", "path": "/now"}, "expect": {"body": {"now": "2020-01-01T00:10:00.000000Z"}}})",
          "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(backend.advances.size(), 2u);
}

TEST(RunnerTest, TimeGoingBackwardsFailsTheLineOnly) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(
          R"({"at": "2020-01-01T00:10:00Z"})", "\n",
          R"({"at": "2020-01-01T00:09:59.999999Z", "request": {"method": "POST", "path": "/things", "body": {}}})",
          "\n",
          R"({"at": "2020-01-01T00:10:00Z", "request": {"method": "GET", "path": "/now"}, "expect": {"status": 200}})",
          "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(
      r.report,
      HasSubstr(
          "line 2: time goes backwards: at 2020-01-01T00:09:59.999999Z is "
          "before the clock's 2020-01-01T00:10:00.000000Z"));
  EXPECT_EQ(backend.handled.load(), 1);  // line 2's request did not run
  EXPECT_EQ(r.stats.met, 1);             // an equal time is not backwards
  EXPECT_EQ(r.stats.failed, 1);
}

TEST(RunnerTest, NoAtRunsOnTheWallClock) {
  const absl::Time before = absl::Now();
  FakeBackend backend;
  Result r = Replay(
      R"({"request": {"method": "GET", "path": "/now"}, "bind": {"now": "/now"}})"
      "\n",
      &backend);
  EXPECT_EQ(r.code, kExitOk) << r.report;
  ASSERT_FALSE(backend.advances.empty());
  EXPECT_GE(backend.advances.back(), before - absl::Seconds(1));
  EXPECT_LE(backend.advances.back(), absl::Now() + absl::Seconds(1));
}

TEST(RunnerTest, OptionsAreParsed) {
  FakeBackend backend;
  Result r = Replay(
      R"({"options": {"reservation_ttl": "10m", "payment_ttl": "1h30m", "max_tickets_per_order": 7, "admin_key": "sesame", "claim_seed": 5, "lowest_vacant_first": true}})"
      "\n",
      &backend);
  EXPECT_EQ(r.code, kExitOk) << r.error;
  EXPECT_EQ(backend.options.reservation_ttl, absl::Minutes(10));
  EXPECT_EQ(backend.options.payment_ttl, absl::Minutes(90));
  EXPECT_EQ(backend.options.max_tickets_per_order, 7);
  EXPECT_EQ(backend.options.claim_seed, 5u);
  EXPECT_TRUE(backend.options.lowest_vacant_first);
  EXPECT_EQ(backend.adapter_options.admin_key, "sesame");
}

TEST(RunnerTest, CatalogLinesAreLoaded) {
  FakeBackend backend;
  Result r = Replay(R"({"catalog": {"partners": [], "events": []}})"
                    "\n",
                    &backend);
  EXPECT_EQ(r.code, kExitOk);
  ASSERT_EQ(backend.catalogs.size(), 1u);
  EXPECT_EQ(json::parse(backend.catalogs[0]),
            json::parse(R"({"partners": [], "events": []})"));
}

TEST(RunnerTest, CatalogFlagLoadsBeforeTheFile) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            absl::StrCat("cat_", getpid(), ".json"))
                               .string();
  { std::ofstream(path) << R"({"partners": [1]})"; }
  FakeBackend backend;
  RunnerConfig config;
  config.catalog_path = path;
  Result r = Replay(absl::StrCat(R"({"options": {}})", "\n",
                                 R"({"catalog": {"partners": [2]}})", "\n"),
                    &backend, config);
  EXPECT_EQ(r.code, kExitOk) << r.error;
  ASSERT_EQ(backend.catalogs.size(), 2u);
  EXPECT_EQ(backend.catalogs[0], R"({"partners": [1]})");
  std::filesystem::remove(path);
}

// Every way a file is unusable: exit 2, a message naming the line, and
// nothing after it runs.
struct UnusableCase {
  const char* name;
  std::string text;
  const char* message;
};

class UnusableTest : public ::testing::TestWithParam<UnusableCase> {};

TEST_P(UnusableTest, ExitsTwoNamingTheLine) {
  FakeBackend backend;
  const UnusableCase& c = GetParam();
  Result r = Replay(absl::StrCat(kPostA, "}\n", c.text, "\n", kPostA, "}\n"),
                    &backend);
  EXPECT_EQ(r.code, kExitUnusable) << r.report;
  EXPECT_THAT(r.error, HasSubstr(c.message));
  EXPECT_EQ(backend.handled.load(), 1) << "nothing after the bad line runs";
  EXPECT_EQ(backend.audits, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, UnusableTest,
    ::testing::Values(
        UnusableCase{"BadJson", R"({"request": )", "line 2: not JSON: "},
        UnusableCase{"TrailingGarbage", R"({"comment": 1} x)",
                     "line 2: not JSON: "},
        UnusableCase{"NotAnObject", R"([1, 2])", "line 2: not a JSON object"},
        UnusableCase{"UnknownKey", R"({"requets": {}})",
                     "line 2: unknown key \"requets\""},
        UnusableCase{"OptionsNotFirst", R"({"options": {}})",
                     "line 2: options must be on the first line"},
        UnusableCase{"ExpectWithoutRequest", R"({"expect": {"status": 200}})",
                     "line 2: expect without request"},
        UnusableCase{"BindWithoutRequest",
                     R"({"at": "2020-01-01T00:00:00Z", "bind": {"a": "/id"}})",
                     "line 2: bind without request"},
        UnusableCase{
            "CatalogRefused", R"({"catalog": {"bad": 1}})",
            "line 2: catalog refused:\n  /bad: is refused\n  /worse: too"},
        UnusableCase{"CatalogNotObject", R"({"catalog": "x"})",
                     "line 2: catalog must be an object"},
        UnusableCase{"BadAt", R"({"at": "yesterday"})",
                     "line 2: at must be an RFC 3339 time"},
        UnusableCase{"AtNotString", R"({"at": 12})",
                     "line 2: at must be an RFC 3339 time"},
        UnusableCase{"ExpectUnknownKey",
                     absl::StrCat(kPostA, R"(, "expect": {"stauts": 200}})"),
                     "line 2: unknown key \"expect.stauts\""},
        UnusableCase{"ExpectStatusNotInteger",
                     absl::StrCat(kPostA, R"(, "expect": {"status": "200"}})"),
                     "line 2: expect.status must be an integer"},
        UnusableCase{"BindBadPointer",
                     absl::StrCat(kPostA, R"(, "bind": {"x": "id"}})"),
                     "line 2: bind.x is not a JSON pointer"},
        UnusableCase{"BindBadName",
                     absl::StrCat(kPostA, R"(, "bind": {"a b": "/id"}})"),
                     "line 2: bind name \"a b\" must be"},
        UnusableCase{"TooDeep", std::string(300, '[') + std::string(300, ']'),
                     "line 2: not JSON: nested deeper than 256 levels"}),
    [](const ::testing::TestParamInfo<UnusableCase>& info) {
      return info.param.name;
    });

TEST(RunnerTest, UnusableFirstLineOptions) {
  struct Case {
    std::string text;
    const char* message;
  };
  for (const Case& c : {
           Case{R"({"options": {"reservation_tll": "10m"}})",
                "line 1: unknown key \"options.reservation_tll\""},
           Case{R"({"options": {"reservation_ttl": "ten minutes"}})",
                "line 1: options.reservation_ttl must be a duration"},
           Case{R"({"options": {"max_tickets_per_order": 4294967297}})",
                "line 1: options.max_tickets_per_order must be an integer in "
                "range"},
           Case{R"({"options": {"claim_seed": -1}})",
                "line 1: options.claim_seed must be an integer"},
           Case{R"({"options": {"reservation_ttl": "0s"}})",
                "line 1: options refused: reservation_ttl must be 1s to 30 "
                "days"},
       }) {
    FakeBackend backend;
    Result r = Replay(absl::StrCat(c.text, "\n", kPostA, "}\n"), &backend);
    EXPECT_EQ(r.code, kExitUnusable) << c.text;
    EXPECT_THAT(r.error, HasSubstr(c.message)) << c.text;
    EXPECT_EQ(backend.handled.load(), 0);
  }
}

TEST(RunnerTest, CatalogFlagRefusedOrMissing) {
  RunnerConfig config;
  config.catalog_path = "/nonexistent/catalog.json";
  Result r = Replay(absl::StrCat(kPostA, "}\n"), config);
  EXPECT_EQ(r.code, kExitUnusable);
  EXPECT_THAT(r.error,
              HasSubstr("--catalog /nonexistent/catalog.json: cannot open"));

  const std::string path = (std::filesystem::temp_directory_path() /
                            absl::StrCat("bad_", getpid(), ".json"))
                               .string();
  { std::ofstream(path) << R"({"bad": true})"; }
  FakeBackend backend;
  config.catalog_path = path;
  r = Replay(absl::StrCat(kPostA, "}\n"), &backend, config);
  EXPECT_EQ(r.code, kExitUnusable);
  EXPECT_THAT(r.error, HasSubstr(absl::StrCat(
                           "--catalog ", path,
                           ": catalog refused:\n  /bad: is refused")));
  EXPECT_EQ(backend.handled.load(), 0);
  std::filesystem::remove(path);
}

TEST(RunnerTest, MalformedEnvelopeGoesThroughHandleEnvelope) {
  FakeBackend backend;
  Result r = Replay(
      absl::StrCat(
          R"({"request": {"path": "/now"}, "expect": {"status": 400, "body": {"errors": ["Malformed envelope"]}}})",
          "\n", R"({"request": "GET /now", "expect": {"status": 400}})", "\n"),
      &backend);
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(backend.envelopes.load(), 2);
}

TEST(RunnerTest, RawRequestPieces) {
  Result r = Replay(absl::StrCat(
      R"({"request": {"method": "GET", "path": "/echo", "headers": {"AUTHORIZATION": "key k1", "X-Other": "o"}, "body": "{not json"}, "expect": {"body": {"authorization": "key k1", "body": "{not json"}}})",
      "\n",
      R"({"request": {"method": "GET", "path": "/echo", "body": {"a": [1]}}, "expect": {"body": {"authorization": "", "body": "{\"a\":[1]}"}}})",
      "\n",
      R"({"request": {"method": "GET", "path": "/echo", "body": null}, "expect": {"body": {"body": ""}}})",
      "\n"));
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(r.stats.met, 3);
}

TEST(RunnerTest, EchoPrintsEveryAnswer) {
  RunnerConfig config;
  config.echo = true;
  Result r = Replay(
      absl::StrCat("{\"comment\": 1}\n", kPostA, "}\n",
                   R"({"request": {"method": "GET", "path": "/things/t1"}})",
                   "\n"),
      config);
  EXPECT_EQ(r.code, kExitOk);
  std::vector<std::string> lines =
      absl::StrSplit(r.echo, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  const json first = json::parse(lines[0]);
  EXPECT_EQ(first["line"], 2);
  EXPECT_EQ(first["status"], 201);
  EXPECT_EQ(first["body"]["id"], "t1");
  EXPECT_EQ(json::parse(lines[1])["line"], 3);
  EXPECT_EQ(json::parse(lines[1])["status"], 200);
}

TEST(RunnerTest, QuietDropsTheSummaryNotTheFailures) {
  RunnerConfig config;
  config.quiet = true;
  Result r = Replay(
      absl::StrCat(kPostA, R"(, "expect": {"status": 200}})", "\n"), config);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.report, HasSubstr("line 1: status"));
  EXPECT_THAT(r.report, Not(HasSubstr("requests/s")));
}

TEST(RunnerTest, SummaryReportsTheEngineCounts) {
  Result r = Replay(absl::StrCat(kPostA, "}\n", kPostA, "}\n"));
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(
      r.report,
      ContainsRegex("lines 2, requests 2, expectations met 0, failed 0; "
                    "[0-9.]+ s, [0-9]+ requests/s"));
  EXPECT_THAT(
      r.report,
      HasSubstr(
          "engine: 2 tickets = 0 vacant + 0 reserved + 2 sold; counts add up"));
}

TEST(RunnerTest, BrokenEngineCountsFailTheRun) {
  FakeBackend backend;
  backend.broken_counts = true;
  Result r = Replay(absl::StrCat(kPostA, "}\n"), &backend);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.report, HasSubstr("engine: counts do not add up: 2 tickets != "
                                  "0 vacant + 0 reserved + 1 sold"));
  FakeBackend broken;
  broken.broken_invariants = true;
  r = Replay(absl::StrCat(kPostA, "}\n"), &broken);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.report,
              HasSubstr("engine: invariants do not hold: ticket 7 held twice"));
}

TEST(RunnerTest, ThreadsRunLoadLinesConcurrentlyAndBarriersInOrder) {
  FakeBackend backend;
  std::string text;
  constexpr int kLoad = 200;
  for (int i = 0; i < kLoad; ++i) {
    absl::StrAppend(&text, R"({"request": {"method": "GET", "path": "/slow"}})",
                    "\n");
    absl::StrAppend(&text, kPostA, "}\n");
  }
  // A barrier: it must see every request before it done.
  absl::StrAppend(
      &text,
      R"({"request": {"method": "GET", "path": "/count"}, "expect": {"body": {"count": 200}}})",
      "\n");
  for (int i = 0; i < 10; ++i) absl::StrAppend(&text, kPostA, "}\n");
  absl::StrAppend(&text, R"({"at": "2030-01-01T00:00:00Z"})", "\n");
  absl::StrAppend(
      &text,
      R"({"request": {"method": "GET", "path": "/count"}, "expect": {"body": {"count": 210}}})",
      "\n");
  RunnerConfig config;
  config.threads = 4;
  config.echo = true;
  config.batch_max = 64;
  Result r = Replay(text, &backend, config);
  EXPECT_EQ(r.code, kExitOk) << r.report;
  EXPECT_EQ(r.stats.requests, 2 * kLoad + 12);
  EXPECT_EQ(r.stats.met, 2);
  EXPECT_GT(backend.max_in_flight.load(), 1) << "requests never overlapped";
  EXPECT_THAT(r.report, HasSubstr("(4 threads)"));
  // Echo stays in line order, one answer per request line.
  std::vector<std::string> lines =
      absl::StrSplit(r.echo, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(2 * kLoad + 12));
  int64_t previous = 0;
  for (const std::string& l : lines) {
    const int64_t n = json::parse(l)["line"];
    EXPECT_GT(n, previous);
    previous = n;
  }
}

TEST(RunnerTest, ThreadsStillReportUnboundNames) {
  RunnerConfig config;
  config.threads = 2;
  Result r = Replay(
      absl::StrCat(R"({"request": {"method": "GET", "path": "/things/${x}"}})",
                   "\n", kPostA, "}\n"),
      config);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_THAT(r.report, HasSubstr("line 1: unbound name ${x}"));
  EXPECT_EQ(r.stats.requests, 1);
}

TEST(RunnerTest, PipeLookaheadIsBounded) {
  // Past the look-ahead the run falls back to the wall clock, and a later
  // (older) `at` then fails as going backwards.
  std::string text;
  for (int i = 0; i < 20; ++i) absl::StrAppend(&text, kPostA, "}\n");
  absl::StrAppend(&text, R"({"at": "2001-01-01T00:00:00Z"})", "\n");
  std::istringstream in(text);
  LineSource source(&in, LineSource::Lookahead{10, 1 << 20});
  FakeBackend backend;
  std::ostringstream echo, report, error;
  RunStats stats;
  const int code =
      RunReplay(&source, &backend, {}, {&echo, &report, &error}, &stats);
  EXPECT_EQ(code, kExitFailed);
  EXPECT_THAT(report.str(), HasSubstr("line 21: time goes backwards"));
  EXPECT_EQ(stats.requests, 20);
}

int64_t PeakRssKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0)
      return std::strtoll(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

// Lines of the streaming tests: 1,000,000 in optimized and debug builds.
// Under sanitizers (every access instrumented, ~10x slower per line) a
// an eighth as many, eight times as long, so that the file still weighs ~60 MB
// and the memory bound still means something, within CI's time budget.
#if defined(BOXOFFICE_SANITIZED)
constexpr int64_t kStreamLines = 125'000;
constexpr size_t kStreamPadding = 480;
#else
constexpr int64_t kStreamLines = 1'000'000;
constexpr size_t kStreamPadding = 34;
#endif

// A 1,000,000-line file (~60 MB) replayed from disk: peak resident memory
// may grow by a few MiB, never by the file's size.
TEST(RunnerTest, MillionLinesStreamInBoundedMemory) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("boxoffice_replay_", getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "million.jsonl").string();
  constexpr int64_t kLines = kStreamLines;
  const std::string padding(kStreamPadding, '.');
  {
    std::ofstream out(path);
    out << R"({"options": {"reservation_ttl": "10m"}})"
        << "\n";
    for (int64_t i = 2; i <= kLines; ++i) {
      if (i % 1000 == 0) {
        out << R"({"at": ")"
            << FormatAt(absl::FromUnixSeconds(1'600'000'000 + i)) << "\"}\n";
      } else if (i % 100 == 0) {
        out << R"({"request": {"method": "GET", "path": "/now"}, "expect": {"status": 200}})"
            << "\n";
      } else {
        out << R"({"comment": "line )" << i << ", " << padding << "\"}"
            << "\n";
      }
    }
  }
  const int64_t file_bytes =
      static_cast<int64_t>(std::filesystem::file_size(path));
  ASSERT_GT(file_bytes, 50 << 20);
  const int64_t before = PeakRssKiB();
  ASSERT_GT(before, 0);
  auto source = LineSource::Open(path);
  ASSERT_TRUE(source.ok());
  FakeBackend backend;
  std::ostringstream echo, report, error;
  RunStats stats;
  RunnerConfig config;
  config.quiet = true;
  const int code = RunReplay(source->get(), &backend, config,
                             {&echo, &report, &error}, &stats);
  const int64_t after = PeakRssKiB();
  EXPECT_EQ(code, kExitOk) << report.str() << error.str();
  EXPECT_EQ(stats.lines, kLines);
  EXPECT_EQ(stats.requests, kLines / 100 - kLines / 1000);
  EXPECT_EQ(stats.met, stats.requests);
  EXPECT_EQ(backend.advances.size(), static_cast<size_t>(kLines / 1000));
  // The whole file is over 50 MiB; the runner keeps one line at a time.
  EXPECT_LT(after - before, 16 * 1024)
      << "peak RSS grew by " << (after - before) << " KiB";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace boxoffice::replay
