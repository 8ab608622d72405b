// The JSON command adapter: the Ticketscloud-shaped v1/v2 orders API
// (shared/spec/json-adapter.md) over an Engine, for any server or tool.
//
// Thread-safety: Handle and HandleEnvelope may be called concurrently from
// any number of threads. The adapter borrows the engine, which must outlive it.
#ifndef BOXOFFICE_JSON_ADAPTER_H_
#define BOXOFFICE_JSON_ADAPTER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "boxoffice/engine.h"

namespace boxoffice {

struct JsonAdapterOptions {
  // Partner routes refuse bodies over this ("Body too large"). 1 KiB..64 MiB.
  size_t max_body_bytes = size_t{1} << 20;
  // The admin catalog route accepts documents up to this size.
  size_t max_catalog_bytes = size_t{256} << 20;
  // Deepest nesting accepted in any body ("nested deeper than 64 levels").
  int max_depth = 64;
  // `Authorization: admin <key>` opens POST /v2/admin/catalog; nullopt: the
  // route answers 401 to everyone.
  std::optional<std::string> admin_key;
};

// One request as a server received it. Views are borrowed for the call.
struct RawRequest {
  std::string_view method;         // "GET", "POST", "PATCH", "DELETE"
  std::string_view path;           // with the query string
  std::string_view authorization;  // the Authorization header's value, or ""
  std::string_view body;           // raw body text, or "" for none
};

struct RawResponse {
  int status = 200;
  // Response headers (X-Partner on partner routes).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // JSON text
};

// Occupies whole cache lines (alignas): every request of every thread reads
// it, so it must not share a line with memory some thread writes.
class alignas(64) JsonAdapter {
 public:
  JsonAdapter(Engine* engine, JsonAdapterOptions options = {});
  ~JsonAdapter();
  JsonAdapter(const JsonAdapter&) = delete;
  JsonAdapter& operator=(const JsonAdapter&) = delete;

  // The raw entry point: no envelope. `*response` is overwritten; its buffers
  // are reused, so a caller that keeps one RawResponse per thread pays no
  // allocation once they have grown.
  void Handle(const RawRequest& request, RawResponse* response) const;
  RawResponse Handle(const RawRequest& request) const;

  // The envelope entry point: `{"method", "path", "headers", "body"}` in,
  // `{"status", "headers", "body"}` out, as JSON text. A malformed envelope
  // answers status 400 in the same shape.
  std::string HandleEnvelope(std::string_view envelope_json) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace boxoffice

#endif  // BOXOFFICE_JSON_ADAPTER_H_
