#include "tools/replay/engine_backend.h"

#include <string>
#include <utility>

#include "boxoffice/catalog.h"
#include "boxoffice/clock.h"
#include "boxoffice/engine.h"
#include "boxoffice/errors.h"
#include "engine/common/assert.h"

namespace boxoffice::replay {
namespace {

// Thread-safety: as ReplayBackend; the engine and adapter are thread-safe,
// and the clock is set from the runner's thread only between batches.
class EngineBackend final : public ReplayBackend {
 public:
  absl::Status Open(const EngineOptions& engine,
                    const JsonAdapterOptions& adapter,
                    absl::Time start) override {
    BOXOFFICE_DCHECK(engine_ == nullptr);
    clock_.Set(start);
    EngineOptions options = engine;
    options.clock = &clock_;
    // The runner moves time and calls ExpireDue itself; a background thread
    // would expire on its own schedule and make runs irreproducible.
    options.background_expiry = false;
    auto opened = Engine::Open(options);
    if (!opened.ok()) return opened.status();
    engine_ = *std::move(opened);
    adapter_ = std::make_unique<JsonAdapter>(engine_.get(), adapter);
    return absl::OkStatus();
  }

  absl::Status LoadCatalog(std::string_view json) override {
    BOXOFFICE_DCHECK(engine_ != nullptr);
    auto doc = ParseCatalogJson(json);
    if (!doc.ok()) return doc.status();
    auto loaded = engine_->LoadCatalog(*doc);
    if (!loaded.ok()) return loaded.status();
    return absl::OkStatus();
  }

  void AdvanceTo(absl::Time t) override {
    BOXOFFICE_DCHECK(engine_ != nullptr);
    // Set ignores a time before Now(), which the runner never asks for
    // except in wall-clock mode, where an equal or older reading is harmless.
    clock_.Set(t);
    engine_->ExpireDue();
  }

  void Handle(const RawRequest& request, RawResponse* response) override {
    adapter_->Handle(request, response);
  }

  std::string HandleEnvelope(std::string_view envelope_json) override {
    return adapter_->HandleEnvelope(envelope_json);
  }

  absl::StatusOr<InventoryTotals> Audit() override {
    BOXOFFICE_DCHECK(engine_ != nullptr);
    if (absl::Status s = engine_->CheckInvariants(); !s.ok()) return s;
    return engine_->Totals();
  }

 private:
  SimulatedClock clock_;
  std::unique_ptr<Engine> engine_;
  // Declared after engine_ so that it is destroyed first: it borrows it.
  std::unique_ptr<JsonAdapter> adapter_;
};

}  // namespace

std::unique_ptr<ReplayBackend> MakeEngineBackend() {
  return std::make_unique<EngineBackend>();
}

}  // namespace boxoffice::replay
