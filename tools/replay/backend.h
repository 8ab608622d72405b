// What the replay runner drives: an engine behind the JSON adapter, on a
// clock the runner moves. An interface so that the runner's own logic
// (lines, patterns, binding, time, exit codes, threads) is tested against a
// small fake, and the real engine is plugged in by the program
// (engine_backend.h).
//
// Thread-safety: Handle and HandleEnvelope are called concurrently from the
// runner's worker threads in --threads mode; every other method is called
// from the runner's thread only, while no Handle call is in flight.
#ifndef BOXOFFICE_TOOLS_REPLAY_BACKEND_H_
#define BOXOFFICE_TOOLS_REPLAY_BACKEND_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boxoffice/json_adapter.h"
#include "boxoffice/options.h"
#include "boxoffice/order.h"

namespace boxoffice::replay {

// Thread-safety: Handle/HandleEnvelope from any thread; the rest from the
// runner's thread while no Handle call is in flight.
class ReplayBackend {
 public:
  virtual ~ReplayBackend() = default;

  // Opens the engine, once, before any other call. `engine.clock` is
  // ignored: the backend owns a simulated clock that starts at `start`.
  // A refusal (options out of range) makes the file unusable.
  virtual absl::Status Open(const EngineOptions& engine,
                            const JsonAdapterOptions& adapter,
                            absl::Time start) = 0;

  // Loads a catalog document (its JSON text) as the operator. A refusal
  // lists every problem (errors.h messages).
  virtual absl::Status LoadCatalog(std::string_view json) = 0;

  // Moves the clock forward to `t` (never backwards: the runner checks)
  // and expires every reservation due at or before it.
  virtual void AdvanceTo(absl::Time t) = 0;

  // One request through the adapter's raw entry point or its envelope.
  virtual void Handle(const RawRequest& request, RawResponse* response) = 0;
  virtual std::string HandleEnvelope(std::string_view envelope_json) = 0;

  // At a quiescent point: the engine's ticket counts, after checking its
  // invariants (an error when they do not hold).
  virtual absl::StatusOr<InventoryTotals> Audit() = 0;
};

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_BACKEND_H_
