#include "boxoffice/errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace boxoffice {
namespace {

using ::testing::ElementsAre;

TEST(ErrorsTest, CarriesEveryMessage) {
  absl::Status s =
      MakeError(absl::StatusCode::kInvalidArgument,
                std::vector<std::string>{"Event x not found", "a; b\nc"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ErrorMessages(s), ElementsAre("Event x not found", "a; b\nc"));
}

TEST(ErrorsTest, PlainStatusGivesItsMessage) {
  EXPECT_THAT(ErrorMessages(absl::NotFoundError("Order 1 not found")),
              ElementsAre("Order 1 not found"));
  EXPECT_TRUE(ErrorMessages(absl::OkStatus()).empty());
}

}  // namespace
}  // namespace boxoffice
