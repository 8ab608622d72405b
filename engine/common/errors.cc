#include "boxoffice/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace boxoffice {
namespace {

// Messages are stored NUL-separated: NUL cannot occur in a message that
// came from valid JSON text or from the engine's own formatting... except
// through "\u0000" escapes, which are replaced before storing.
constexpr char kPayloadUrl[] = "boxoffice/messages";

std::string Sanitize(std::string m) {
  for (char& c : m) {
    if (c == '\0') c = ' ';
  }
  return m;
}

}  // namespace

absl::Status MakeError(absl::StatusCode code,
                       std::vector<std::string> messages) {
  if (messages.empty()) messages.push_back("Unknown error");
  for (auto& m : messages) m = Sanitize(std::move(m));
  absl::Status status(code, absl::StrJoin(messages, "; "));
  status.SetPayload(kPayloadUrl, absl::Cord(absl::StrJoin(
                                     messages, absl::string_view("\0", 1))));
  return status;
}

absl::Status MakeError(absl::StatusCode code, std::string message) {
  std::vector<std::string> messages;
  messages.push_back(std::move(message));
  return MakeError(code, std::move(messages));
}

std::vector<std::string> ErrorMessages(const absl::Status& status) {
  if (status.ok()) return {};
  auto payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return {std::string(status.message())};
  return absl::StrSplit(std::string(*payload), absl::string_view("\0", 1));
}

}  // namespace boxoffice
