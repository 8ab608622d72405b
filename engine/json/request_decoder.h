// Request bodies (already parsed by ParseStrictJson) into the engine's
// request structs, with the contract's exact field messages. Every problem
// found is listed, in body order, so that one answer names them all.
//
// Thread-safety: pure functions.
#ifndef BOXOFFICE_ENGINE_JSON_REQUEST_DECODER_H_
#define BOXOFFICE_ENGINE_JSON_REQUEST_DECODER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "boxoffice/order.h"
#include "nlohmann/json.hpp"

namespace boxoffice::internal {

enum class ApiVersion { kV1, kV2 };

// The largest integer accepted where the contract wants one: 2^53, the
// largest from which every smaller integer is exact in a double, so that
// every JSON implementation reads the same value.
inline constexpr int64_t kMaxExactInteger = int64_t{1} << 53;

// `v` as an integer in 0..2^53 when it is a JSON integer (not a number with
// a fraction or exponent, not a string); nullopt otherwise.
std::optional<int64_t> ExactNonNegativeInteger(const nlohmann::json& v);

// Decodes a create body. `body` must be an object (the caller checks, with
// "Field body must be an object"). Problems are appended to *errors; *out
// is meaningful only when none were.
void DecodeCreate(const nlohmann::json& body, CreateOrderRequest* out,
                  std::vector<std::string>* errors);

// Decodes a change (PATCH) body. v1 accepts "canceled" as well as
// "cancelled"; v2 only the latter.
void DecodeChange(const nlohmann::json& body, ApiVersion version,
                  ChangeOrderRequest* out, std::vector<std::string>* errors);

}  // namespace boxoffice::internal

#endif  // BOXOFFICE_ENGINE_JSON_REQUEST_DECODER_H_
