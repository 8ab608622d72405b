#include "tools/replay/runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "boxoffice/errors.h"
#include "engine/common/assert.h"
#include "tools/replay/bindings.h"
#include "tools/replay/pattern.h"
#include "tools/replay/worker_pool.h"

namespace boxoffice::replay {
namespace {

using json = nlohmann::json;

// Differences reported per failed expectation; the rest are counted only.
constexpr size_t kMaxMismatchesPerLine = 16;

// Drops nlohmann's "[json.exception.parse_error.101] " prefix: the reader
// wants the reason.
std::string ParseReason(const json::exception& e) {
  std::string_view what = e.what();
  if (!what.empty() && what.front() == '[') {
    const size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

std::string Quoted(std::string_view s) { return json(std::string(s)).dump(); }

// One line, checked and taken apart. The values are moved out of the
// parsed document.
struct ParsedLine {
  int64_t number = 0;
  bool has_options = false;
  bool has_catalog = false;
  bool has_request = false;
  json options;
  json catalog;
  json request;
  std::optional<absl::Time> at;
  std::optional<int64_t> expect_status;
  bool has_expect = false;
  bool has_expect_body = false;
  json expect_body;
  std::vector<std::pair<std::string, json::json_pointer>> binds;
};

absl::Status Unusable(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

absl::Status ParseExpect(json& value, ParsedLine* out) {
  if (!value.is_object()) {
    return Unusable(
        R"(expect must be an object {"status": n, "body": pattern})");
  }
  out->has_expect = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (it.key() == "status") {
      if (!it->is_number_integer())
        return Unusable("expect.status must be an integer");
      out->expect_status = it->get<int64_t>();
    } else if (it.key() == "body") {
      out->has_expect_body = true;
      out->expect_body = std::move(it.value());
    } else {
      return Unusable(
          absl::StrCat("unknown key ", Quoted("expect." + it.key())));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseBind(const json& value, ParsedLine* out) {
  if (!value.is_object()) {
    return Unusable(R"(bind must be an object {"name": "/json/pointer"})");
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!IsValidName(it.key())) {
      return Unusable(absl::StrCat("bind name ", Quoted(it.key()),
                                   " must be 1 to 64 of A-Z a-z 0-9 _ . -"));
    }
    if (!it->is_string()) {
      return Unusable(
          absl::StrCat("bind.", it.key(), " must be a JSON pointer string"));
    }
    try {
      out->binds.emplace_back(it.key(),
                              json::json_pointer(it->get<std::string>()));
    } catch (const json::exception& e) {
      return Unusable(absl::StrCat("bind.", it.key(),
                                   " is not a JSON pointer: ", ParseReason(e)));
    }
  }
  return absl::OkStatus();
}

// Checks one non-blank line; an error makes the file unusable.
absl::Status ParseLine(const std::string& text, bool first_line,
                       ParsedLine* out) {
  if (JsonNestingDepth(text) > kMaxLineDepth) {
    return Unusable(absl::StrCat("not JSON: nested deeper than ", kMaxLineDepth,
                                 " levels"));
  }
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    return Unusable(absl::StrCat("not JSON: ", ParseReason(e)));
  }
  if (!doc.is_object()) return Unusable("not a JSON object");
  json* expect = nullptr;
  json* bind = nullptr;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key == "options") {
      if (!first_line) return Unusable("options must be on the first line");
      if (!it->is_object()) return Unusable("options must be an object");
      out->has_options = true;
      out->options = std::move(it.value());
    } else if (key == "catalog") {
      if (!it->is_object())
        return Unusable("catalog must be an object (a catalog document)");
      out->has_catalog = true;
      out->catalog = std::move(it.value());
    } else if (key == "at") {
      std::optional<absl::Time> at;
      if (it->is_string()) at = ParseAt(it->get_ref<const std::string&>());
      if (!at.has_value()) {
        return Unusable(
            absl::StrCat("at must be an RFC 3339 time such as "
                         "\"2016-01-26T13:29:12.624Z\", not ",
                         ShortJson(*it)));
      }
      out->at = at;
    } else if (key == "request") {
      out->has_request = true;
      out->request = std::move(it.value());
    } else if (key == "expect") {
      expect = &it.value();
    } else if (key == "bind") {
      bind = &it.value();
    } else if (key != "comment") {
      return Unusable(absl::StrCat("unknown key ", Quoted(key)));
    }
  }
  if (expect != nullptr) {
    if (!out->has_request) return Unusable("expect without request");
    if (absl::Status s = ParseExpect(*expect, out); !s.ok()) return s;
  }
  if (bind != nullptr) {
    if (!out->has_request) return Unusable("bind without request");
    if (absl::Status s = ParseBind(*bind, out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// A request ready to run, and then its answer. `raw` requests go through
// the adapter's raw entry point (no envelope to build and parse again);
// anything that is not a well-formed envelope goes through HandleEnvelope,
// which answers it as the contract says.
struct Prepared {
  int64_t line = 0;
  bool raw = false;
  std::string method, path, authorization, body;
  std::string envelope;
  int status = 0;
  std::string answer;  // the response body text
};

bool IsStringOrAbsent(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string();
}

Prepared Prepare(int64_t line, const json& request) {
  Prepared p;
  p.line = line;
  bool raw = request.is_object() && IsStringOrAbsent(request, "method") &&
             IsStringOrAbsent(request, "path");
  const json* headers = nullptr;
  if (raw) {
    auto h = request.find("headers");
    if (h != request.end() && !h->is_null()) {
      raw = h->is_object() &&
            std::all_of(h->begin(), h->end(),
                        [](const json& v) { return v.is_string(); });
      headers = &*h;
    }
  }
  if (!raw) {
    p.envelope = request.dump();
    return p;
  }
  p.raw = true;
  p.method = request["method"].get<std::string>();
  p.path = request["path"].get<std::string>();
  if (headers != nullptr) {
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      // Header names match case-insensitively (json-adapter.md).
      if (absl::EqualsIgnoreCase(it.key(), "authorization")) {
        p.authorization = it->get<std::string>();
        break;
      }
    }
  }
  auto body = request.find("body");
  if (body != request.end() && !body->is_null()) {
    // A string body is the raw text a server received, passed on as is.
    p.body = body->is_string() ? body->get<std::string>() : body->dump();
  }
  return p;
}

// One run of one file. Thread-safety: used from the calling thread only;
// in --threads mode the pool's workers touch nothing but their batch slots
// (and the backend, which is thread-safe), between Run's barriers.
class Runner {
 public:
  Runner(LineSource* source, ReplayBackend* backend, const RunnerConfig& config,
         const RunnerOutput& output, RunStats* stats)
      : source_(source),
        backend_(backend),
        config_(config),
        out_(output),
        stats_(stats) {
    BOXOFFICE_DCHECK(config.threads >= 1 && config.threads <= kMaxThreads);
    BOXOFFICE_DCHECK(config.batch_max >= 1);
    if (config.threads > 1)
      pool_ = std::make_unique<WorkerPool>(config.threads);
  }

  int Run();

 private:
  int FailUnusable(int64_t line, std::string_view what);
  void FailLine(int64_t line, std::string_view what);
  bool OpenBackend(const ParsedLine* first);
  // `line` 0: the --catalog file, named by `where`.
  bool LoadCatalog(std::string_view json_text, int64_t line,
                   std::string_view where);
  // False when the file turned out unusable.
  bool Execute(ParsedLine& line);
  void RunOne(Prepared* p, RawResponse* scratch, bool keep_answer);
  void FlushBatch();
  void Echo(const Prepared& p);
  void CheckExpect(const ParsedLine& line, const Prepared& p, const json* body);
  void ApplyBinds(const ParsedLine& line, const json* body);
  void FollowWallClock();
  void Progress(bool final);
  void Audit();
  void Summary();

  LineSource* source_;
  ReplayBackend* backend_;
  const RunnerConfig& config_;
  RunnerOutput out_;
  RunStats* stats_;
  Bindings bindings_;
  std::unique_ptr<WorkerPool> pool_;
  std::vector<Prepared> batch_;
  RawResponse scratch_;
  // The clock as the file sees it. Virtual once an `at` set it (or the
  // file's first `at` was found); until then it follows the wall clock.
  absl::Time now_;
  bool virtual_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_progress_;
  bool progress_shown_ = false;
};

int Runner::FailUnusable(int64_t line, std::string_view what) {
  Progress(/*final=*/true);
  if (line > 0) {
    *out_.error << "boxoffice-replay: line " << line << ": " << what << "\n";
  } else {
    *out_.error << "boxoffice-replay: " << what << "\n";
  }
  out_.error->flush();
  return kExitUnusable;
}

void Runner::FailLine(int64_t line, std::string_view what) {
  ++stats_->failed;
  *out_.report << "line " << line << ": " << what << "\n";
}

bool Runner::OpenBackend(const ParsedLine* first) {
  EngineOptions engine;
  JsonAdapterOptions adapter;
  if (first != nullptr && first->has_options) {
    if (absl::Status s = ParseOptions(first->options, &engine, &adapter);
        !s.ok()) {
      FailUnusable(first->number, std::string(s.message()));
      return false;
    }
  }
  if (absl::Status s = backend_->Open(engine, adapter, now_); !s.ok()) {
    FailUnusable(first != nullptr ? first->number : 0,
                 absl::StrCat("options refused: ",
                              absl::StrJoin(ErrorMessages(s), "; ")));
    return false;
  }
  if (config_.catalog_path.has_value()) {
    std::ifstream file(*config_.catalog_path, std::ios::binary);
    const std::string where = absl::StrCat("--catalog ", *config_.catalog_path);
    if (!file.is_open()) {
      FailUnusable(0, absl::StrCat(where, ": cannot open"));
      return false;
    }
    std::stringstream text;
    text << file.rdbuf();
    if (!LoadCatalog(text.str(), 0, where)) return false;
  }
  return true;
}

bool Runner::LoadCatalog(std::string_view json_text, int64_t line,
                         std::string_view where) {
  absl::Status s = backend_->LoadCatalog(json_text);
  if (s.ok()) return true;
  std::string what(where);
  absl::StrAppend(&what, where.empty() ? "" : ": ", "catalog refused:");
  for (const std::string& m : ErrorMessages(s))
    absl::StrAppend(&what, "\n  ", m);
  FailUnusable(line, what);
  return false;
}

void Runner::FollowWallClock() {
  if (virtual_) return;
  // The wall clock may step back (NTP); the engine's clock never does.
  now_ = std::max(now_, absl::Now());
  backend_->AdvanceTo(now_);
}

void Runner::RunOne(Prepared* p, RawResponse* scratch, bool keep_answer) {
  if (p->raw) {
    backend_->Handle(RawRequest{p->method, p->path, p->authorization, p->body},
                     scratch);
    p->status = scratch->status;
    if (keep_answer) p->answer.swap(scratch->body);
    return;
  }
  const std::string text = backend_->HandleEnvelope(p->envelope);
  const json response = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!response.is_object()) {
    // Not the adapter's documented shape: show it as it came.
    p->status = 0;
    p->answer = json(text).dump();
    return;
  }
  auto status = response.find("status");
  p->status = status != response.end() && status->is_number_integer()
                  ? status->get<int>()
                  : 0;
  auto body = response.find("body");
  p->answer = body != response.end() ? body->dump() : "null";
}

void Runner::Echo(const Prepared& p) {
  // The adapter's body text is spliced in unparsed when it is valid JSON,
  // so that echo costs no re-serialization.
  std::ostream& o = *out_.echo;
  o << "{\"line\":" << p.line << ",\"status\":" << p.status << ",\"body\":";
  if (p.answer.empty()) {
    o << "null";
  } else if (json::accept(p.answer)) {
    o << p.answer;
  } else {
    o << json(p.answer).dump(-1, ' ', false, json::error_handler_t::replace);
  }
  o << "}\n";
}

void Runner::FlushBatch() {
  if (batch_.empty()) return;
  BOXOFFICE_DCHECK(pool_ != nullptr);
  FollowWallClock();
  const bool keep = config_.echo;
  pool_->Run(batch_.size(), [this, keep](size_t i) {
    // One response buffer per worker thread, reused across requests.
    thread_local RawResponse scratch;
    RunOne(&batch_[i], &scratch, keep);
  });
  stats_->requests += static_cast<int64_t>(batch_.size());
  if (config_.echo) {
    for (const Prepared& p : batch_) Echo(p);
  }
  batch_.clear();
}

void Runner::CheckExpect(const ParsedLine& line, const Prepared& p,
                         const json* body) {
  bool ok = true;
  if (line.expect_status.has_value() && *line.expect_status != p.status) {
    ok = false;
    *out_.report << "line " << line.number << ": status: expected "
                 << *line.expect_status << ", actual " << p.status << " (body "
                 << (body != nullptr ? ShortJson(*body)
                                     : ShortJson(json(p.answer)))
                 << ")\n";
  }
  if (line.has_expect_body) {
    std::vector<Mismatch> mismatches;
    json as_text;
    const json* actual = body;
    if (actual == nullptr) {
      as_text = json(p.answer);  // not JSON: compared as the text it is
      actual = &as_text;
    }
    if (!MatchPattern(line.expect_body, actual, &mismatches,
                      kMaxMismatchesPerLine)) {
      ok = false;
      for (const Mismatch& m : mismatches) {
        *out_.report << "line " << line.number << ": at "
                     << (m.path.empty() ? "the body" : m.path) << ": expected "
                     << m.expected << ", actual " << m.actual << "\n";
      }
    }
  }
  if (ok) {
    ++stats_->met;
  } else {
    ++stats_->failed;
  }
}

void Runner::ApplyBinds(const ParsedLine& line, const json* body) {
  for (const auto& [name, pointer] : line.binds) {
    const json* value = nullptr;
    if (body != nullptr) {
      try {
        if (body->contains(pointer)) value = &body->at(pointer);
      } catch (const json::exception&) {
        value = nullptr;  // e.g. a non-numeric index into an array
      }
    }
    if (value == nullptr) {
      // A stale value would make later lines test the wrong thing.
      bindings_.Unbind(name);
      FailLine(line.number,
               absl::StrCat("bind ", name, ": ", pointer.to_string(),
                            " names nothing in the answer"));
      continue;
    }
    bindings_.Bind(name, *value);
  }
}

bool Runner::Execute(ParsedLine& line) {
  if (line.at.has_value()) {
    FlushBatch();
    // Compared at the engine's resolution: the clock keeps microseconds.
    const absl::Time at = absl::FromUnixMicros(absl::ToUnixMicros(*line.at));
    if (at < now_) {
      FailLine(line.number,
               absl::StrCat("time goes backwards: at ", FormatAt(at),
                            " is before the clock's ", FormatAt(now_)));
      return true;
    }
    now_ = at;
    virtual_ = true;
    backend_->AdvanceTo(now_);
  }
  if (line.has_catalog) {
    FlushBatch();
    if (!LoadCatalog(line.catalog.dump(), line.number, "")) return false;
  }
  if (!line.has_request) return true;
  if (absl::Status s = bindings_.Substitute(&line.request); !s.ok()) {
    FailLine(line.number, std::string(s.message()));
    return true;
  }
  if (line.has_expect_body) {
    if (absl::Status s = bindings_.Substitute(&line.expect_body); !s.ok()) {
      FailLine(line.number, std::string(s.message()));
      return true;
    }
  }
  Prepared p = Prepare(line.number, line.request);
  const bool barrier =
      line.at.has_value() || line.has_expect || !line.binds.empty();
  if (pool_ != nullptr && !barrier && !line.has_catalog) {
    batch_.push_back(std::move(p));
    if (batch_.size() >= config_.batch_max) FlushBatch();
    return true;
  }
  FlushBatch();
  FollowWallClock();
  const bool needs_body = line.has_expect_body || !line.binds.empty() ||
                          (line.expect_status.has_value());
  RunOne(&p, &scratch_, /*keep_answer=*/true);
  ++stats_->requests;
  if (config_.echo) Echo(p);
  if (!line.has_expect && line.binds.empty()) return true;
  json body;
  bool body_ok = false;
  if (needs_body) {
    body = json::parse(p.answer, nullptr, /*allow_exceptions=*/false);
    body_ok = !body.is_discarded();
  }
  if (line.has_expect) CheckExpect(line, p, body_ok ? &body : nullptr);
  ApplyBinds(line, body_ok ? &body : nullptr);
  return true;
}

void Runner::Progress(bool final) {
  if (!config_.progress) return;
  const auto now = std::chrono::steady_clock::now();
  if (final) {
    if (progress_shown_) *out_.error << "\r\033[K" << std::flush;
    progress_shown_ = false;
    return;
  }
  if (now - last_progress_ < std::chrono::milliseconds(200)) return;
  last_progress_ = now;
  progress_shown_ = true;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  std::string percent;
  if (source_->total_bytes() > 0) {
    percent = absl::StrFormat(
        " (%d%%)", source_->bytes_read() * 100 / source_->total_bytes());
  }
  *out_.error << absl::StrFormat(
                     "\rboxoffice-replay: line %d%s, %d requests, %d failed, "
                     "%.0f requests/s\033[K",
                     source_->line_number(), percent, stats_->requests,
                     stats_->failed,
                     seconds > 0
                         ? static_cast<double>(stats_->requests) / seconds
                         : 0.0)
              << std::flush;
}

void Runner::Audit() {
  absl::StatusOr<InventoryTotals> totals = backend_->Audit();
  if (!totals.ok()) {
    ++stats_->failed;
    *out_.report << "engine: invariants do not hold: "
                 << absl::StrJoin(ErrorMessages(totals.status()), "; ") << "\n";
    return;
  }
  stats_->totals = *totals;
  const InventoryTotals& t = *totals;
  if (t.vacant + t.reserved + t.sold != t.tickets || t.vacant < 0 ||
      t.reserved < 0 || t.sold < 0) {
    ++stats_->failed;
    *out_.report << absl::StrFormat(
        "engine: counts do not add up: %d tickets != %d vacant + %d reserved + "
        "%d sold\n",
        t.tickets, t.vacant, t.reserved, t.sold);
  }
}

void Runner::Summary() {
  if (config_.quiet) return;
  const double rate =
      stats_->seconds > 0
          ? static_cast<double>(stats_->requests) / stats_->seconds
          : 0.0;
  *out_.report << absl::StrFormat(
      "lines %d, requests %d, expectations met %d, failed %d; %.3f s, %.0f "
      "requests/s%s\n",
      stats_->lines, stats_->requests, stats_->met, stats_->failed,
      stats_->seconds, rate,
      config_.threads > 1 ? absl::StrFormat(" (%d threads)", config_.threads)
                          : "");
  if (stats_->totals.has_value()) {
    const InventoryTotals& t = *stats_->totals;
    const bool add_up = t.vacant + t.reserved + t.sold == t.tickets;
    *out_.report << absl::StrFormat(
        "engine: %d tickets = %d vacant + %d reserved + %d sold; %s\n",
        t.tickets, t.vacant, t.reserved, t.sold,
        add_up ? "counts add up, invariants hold" : "COUNTS DO NOT ADD UP");
  }
}

int Runner::Run() {
  started_ = std::chrono::steady_clock::now();
  last_progress_ = started_;
  bool exhausted = false;
  const std::optional<absl::Time> first_at = source_->FindFirstAt(&exhausted);
  if (first_at.has_value()) {
    now_ = absl::FromUnixMicros(absl::ToUnixMicros(*first_at));
    virtual_ = true;
  } else {
    now_ = absl::Now();
    virtual_ = false;
  }
  bool opened = false;
  std::string text;
  int64_t lines_seen = 0;
  // Bounded by the input: each iteration consumes one line.
  while (source_->Next(&text)) {
    if (absl::StripAsciiWhitespace(text).empty()) continue;
    ++lines_seen;
    stats_->lines = lines_seen;
    ParsedLine line;
    line.number = source_->line_number();
    if (absl::Status s = ParseLine(text, /*first_line=*/lines_seen == 1, &line);
        !s.ok()) {
      return FailUnusable(line.number, std::string(s.message()));
    }
    if (!opened) {
      if (!OpenBackend(&line)) return kExitUnusable;
      opened = true;
    }
    if (!Execute(line)) return kExitUnusable;
    if (config_.progress && (lines_seen & 255) == 0) Progress(false);
  }
  if (source_->failed()) return FailUnusable(0, "read error");
  if (!opened) {
    if (!OpenBackend(nullptr)) return kExitUnusable;
  }
  FlushBatch();
  stats_->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_)
          .count();
  Progress(/*final=*/true);
  Audit();
  Summary();
  out_.report->flush();
  out_.echo->flush();
  return stats_->failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace

absl::Status ParseOptions(const json& value, EngineOptions* engine,
                          JsonAdapterOptions* adapter) {
  BOXOFFICE_DCHECK(engine != nullptr && adapter != nullptr);
  if (!value.is_object()) return Unusable("options must be an object");
  for (auto it = value.begin(); it != value.end(); ++it) {
    const std::string& key = it.key();
    const json& v = *it;
    const auto duration = [&](absl::Duration* out) -> absl::Status {
      if (v.is_string() && absl::ParseDuration(v.get<std::string>(), out)) {
        return absl::OkStatus();
      }
      return Unusable(absl::StrCat(
          "options.", key,
          " must be a duration such as \"90s\", \"10m\" or \"1h30m\""));
    };
    const auto integer = [&](auto* out) -> absl::Status {
      using T = std::remove_pointer_t<decltype(out)>;
      // Range-checked here so that a huge value is refused, not wrapped
      // into a small one that Engine::Open would then accept.
      bool fits = false;
      if (v.is_number_unsigned()) {
        fits = v.get<uint64_t>() <=
               static_cast<uint64_t>(std::numeric_limits<T>::max());
      } else if (v.is_number_integer()) {
        const int64_t x = v.get<int64_t>();
        fits =
            std::is_signed_v<T>
                ? x >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                      x <= static_cast<int64_t>(std::numeric_limits<T>::max())
                : x >= 0;
      }
      if (!fits)
        return Unusable(
            absl::StrCat("options.", key, " must be an integer in range"));
      *out = v.get<T>();
      return absl::OkStatus();
    };
    absl::Status s;
    if (key == "reservation_ttl") {
      s = duration(&engine->reservation_ttl);
    } else if (key == "payment_ttl") {
      s = duration(&engine->payment_ttl);
    } else if (key == "max_tickets_per_order") {
      s = integer(&engine->max_tickets_per_order);
    } else if (key == "max_orders") {
      s = integer(&engine->max_orders);
    } else if (key == "max_tickets") {
      s = integer(&engine->max_tickets);
    } else if (key == "claim_seed") {
      uint64_t seed = 0;
      s = integer(&seed);
      if (s.ok()) engine->claim_seed = seed;
    } else if (key == "lowest_vacant_first") {
      if (!v.is_boolean())
        return Unusable("options.lowest_vacant_first must be a boolean");
      engine->lowest_vacant_first = v.get<bool>();
    } else if (key == "admin_key") {
      if (!v.is_string()) return Unusable("options.admin_key must be a string");
      adapter->admin_key = v.get<std::string>();
    } else if (key == "max_body_bytes") {
      s = integer(&adapter->max_body_bytes);
    } else {
      return Unusable(absl::StrCat("unknown key ", Quoted("options." + key)));
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

int RunReplay(LineSource* source, ReplayBackend* backend,
              const RunnerConfig& config, const RunnerOutput& output,
              RunStats* stats) {
  BOXOFFICE_DCHECK(source != nullptr && backend != nullptr && stats != nullptr);
  BOXOFFICE_DCHECK(output.echo != nullptr && output.report != nullptr &&
                   output.error != nullptr);
  *stats = RunStats{};
  Runner runner(source, backend, config, output, stats);
  return runner.Run();
}

}  // namespace boxoffice::replay
