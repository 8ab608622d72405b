// The real backend of boxoffice-replay: a fresh in-process Engine (the
// lock-free one) behind a JsonAdapter, on a SimulatedClock.
//
// Thread-safety: as ReplayBackend.
#ifndef BOXOFFICE_TOOLS_REPLAY_ENGINE_BACKEND_H_
#define BOXOFFICE_TOOLS_REPLAY_ENGINE_BACKEND_H_

#include <memory>

#include "tools/replay/backend.h"

namespace boxoffice::replay {

std::unique_ptr<ReplayBackend> MakeEngineBackend();

}  // namespace boxoffice::replay

#endif  // BOXOFFICE_TOOLS_REPLAY_ENGINE_BACKEND_H_
