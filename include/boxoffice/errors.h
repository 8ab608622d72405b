// How refusals travel: every fallible call returns absl::Status or
// absl::StatusOr. A refusal may carry several independent messages (the
// contract lists them together); they ride in a payload so that a message
// may contain any character.
//
// Status codes, chosen by what the caller should do (and how the JSON adapter
// maps them to HTTP):
//   kInvalidArgument    fix the request (400)
//   kNotFound           unknown or invisible event/set/ticket/order (400)
//   kFailedPrecondition the order's status forbids it (400)
//   kAborted            another change of the same order is under way; retry
//   (409) kUnauthenticated    no or unknown key (401) kResourceExhausted  an
//   engine capacity limit was reached (400)
//
// Thread-safety: pure functions.
#ifndef BOXOFFICE_ERRORS_H_
#define BOXOFFICE_ERRORS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace boxoffice {

// A status with code `code` listing `messages` (at least one). Its message()
// is the messages joined with "; ", for logs.
absl::Status MakeError(absl::StatusCode code,
                       std::vector<std::string> messages);
absl::Status MakeError(absl::StatusCode code, std::string message);

// The messages of a non-OK status: its payload list, or {message()} when the
// status carries none. Empty for OK.
std::vector<std::string> ErrorMessages(const absl::Status& status);

}  // namespace boxoffice

#endif  // BOXOFFICE_ERRORS_H_
