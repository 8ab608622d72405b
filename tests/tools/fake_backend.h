// A small in-memory service standing in for the engine behind the adapter,
// so that the replay runner's own logic is tested without the engine:
//   POST /things {"name": v}   201 {"id": "t<n>", "n": n, "name": v, "at": now,
//   ...} GET  /things/<id>          200 the thing, or 404 {"errors": ["Not
//   found"]} GET  /now                  200 {"now": "<RFC 3339 of the clock>"}
//   GET  /count                200 {"count": things created}
//   GET  /echo                 200 {"method", "path", "authorization", "body"}
//   GET  /slow                 200 {} after a short sleep (concurrency probe)
//
// Thread-safety: Handle and HandleEnvelope are safe from any thread, as the
// runner's worker threads call them; the rest is called from one thread.
#ifndef BOXOFFICE_TESTS_TOOLS_FAKE_BACKEND_H_
#define BOXOFFICE_TESTS_TOOLS_FAKE_BACKEND_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "boxoffice/errors.h"
#include "nlohmann/json.hpp"
#include "tools/replay/backend.h"
#include "tools/replay/line_source.h"

namespace boxoffice::replay::testing {

class FakeBackend final : public ReplayBackend {
 public:
  absl::Status Open(const EngineOptions& engine,
                    const JsonAdapterOptions& adapter,
                    absl::Time start) override {
    ++opens;
    options = engine;
    adapter_options = adapter;
    if (engine.reservation_ttl < absl::Seconds(1)) {
      return absl::InvalidArgumentError(
          "reservation_ttl must be 1s to 30 days");
    }
    now_us_.store(absl::ToUnixMicros(start), std::memory_order_relaxed);
    return absl::OkStatus();
  }

  absl::Status LoadCatalog(std::string_view json) override {
    catalogs.emplace_back(json);
    if (json.find("\"bad\"") != std::string_view::npos) {
      return MakeError(
          absl::StatusCode::kInvalidArgument,
          std::vector<std::string>{"/bad: is refused", "/worse: too"});
    }
    return absl::OkStatus();
  }

  void AdvanceTo(absl::Time t) override {
    advances.push_back(t);
    now_us_.store(absl::ToUnixMicros(t), std::memory_order_relaxed);
  }

  void Handle(const RawRequest& request, RawResponse* response) override {
    const int now_in = in_flight_.fetch_add(1, std::memory_order_relaxed) + 1;
    int seen = max_in_flight.load(std::memory_order_relaxed);
    while (now_in > seen && !max_in_flight.compare_exchange_weak(
                                seen, now_in, std::memory_order_relaxed)) {
    }
    Route(request, response);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);
    handled.fetch_add(1, std::memory_order_relaxed);
  }

  std::string HandleEnvelope(std::string_view envelope_json) override {
    envelopes.fetch_add(1, std::memory_order_relaxed);
    auto env = nlohmann::json::parse(envelope_json, nullptr, false);
    if (!env.is_object() || !env.contains("method") ||
        !env["method"].is_string()) {
      return R"({"status": 400, "headers": {}, "body": {"errors": ["Malformed envelope"]}})";
    }
    std::string method = env["method"];
    std::string path = env.value("path", "");
    std::string body = env.contains("body") && !env["body"].is_null()
                           ? env["body"].dump()
                           : "";
    RawResponse r;
    Handle(RawRequest{method, path, "", body}, &r);
    return nlohmann::json{{"status", r.status},
                          {"headers", nlohmann::json::object()},
                          {"body", nlohmann::json::parse(r.body)}}
        .dump();
  }

  absl::StatusOr<InventoryTotals> Audit() override {
    ++audits;
    if (broken_invariants) return absl::InternalError("ticket 7 held twice");
    InventoryTotals t;
    std::lock_guard<std::mutex> lock(mu_);
    t.tickets = static_cast<int64_t>(things_.size()) + (broken_counts ? 1 : 0);
    t.sold = static_cast<int64_t>(things_.size());
    return t;
  }

  // Observations for the tests (read after the run).
  int opens = 0;
  int audits = 0;
  EngineOptions options;
  JsonAdapterOptions adapter_options;
  std::vector<std::string> catalogs;
  std::vector<absl::Time> advances;
  std::atomic<int64_t> handled{0};
  std::atomic<int64_t> envelopes{0};
  std::atomic<int> max_in_flight{0};
  bool broken_invariants = false;
  bool broken_counts = false;

 private:
  void Route(const RawRequest& request, RawResponse* response) {
    using json = nlohmann::json;
    response->headers.clear();
    const absl::Time now =
        absl::FromUnixMicros(now_us_.load(std::memory_order_relaxed));
    if (request.method == "POST" && request.path == "/things") {
      json body = json::parse(request.body, nullptr, false);
      if (!body.is_object()) {
        response->status = 400;
        response->body = R"({"errors": ["Field body must be an object"]})";
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      const int64_t n = static_cast<int64_t>(things_.size()) + 1;
      json thing = {
          {"id", "t" + std::to_string(n)},
          {"n", n},
          {"name", body.value("name", json())},
          {"at", FormatAt(now)},
          {"tags", json::array({"a", "b"})},
          {"nested", {{"x", 1}, {"y", json::array({1, 2.5, true, nullptr})}}}};
      things_[thing["id"]] = thing.dump();
      response->status = 201;
      response->body = thing.dump();
      return;
    }
    if (request.method == "GET" && request.path.rfind("/things/", 0) == 0) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = things_.find(std::string(request.path.substr(8)));
      response->status = it == things_.end() ? 404 : 200;
      response->body =
          it == things_.end() ? R"({"errors": ["Not found"]})" : it->second;
      return;
    }
    if (request.path == "/now") {
      response->status = 200;
      response->body = json{{"now", FormatAt(now)}}.dump();
      return;
    }
    if (request.path == "/count") {
      std::lock_guard<std::mutex> lock(mu_);
      response->status = 200;
      response->body = json{{"count", things_.size()}}.dump();
      return;
    }
    if (request.path == "/echo") {
      response->status = 200;
      response->body = json{
          {"method", request.method},
          {"path", request.path},
          {"authorization", request.authorization},
          {"body",
           request.body}}.dump();
      return;
    }
    if (request.path == "/slow") {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      response->status = 200;
      response->body = "{}";
      return;
    }
    response->status = 404;
    response->body = R"({"errors": ["Not found"]})";
  }

  std::atomic<int64_t> now_us_{0};
  std::atomic<int> in_flight_{0};
  std::mutex mu_;  // std::mutex: TSan sees it (Debian Abseil is uninstrumented)
  std::map<std::string, std::string> things_ ABSL_GUARDED_BY(mu_);
};

}  // namespace boxoffice::replay::testing

#endif  // BOXOFFICE_TESTS_TOOLS_FAKE_BACKEND_H_
