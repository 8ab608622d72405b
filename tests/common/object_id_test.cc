#include "boxoffice/object_id.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace boxoffice {
namespace {

TEST(ObjectIdTest, RoundTrips) {
  auto id = ObjectId::Parse("5d7134962110d30a34e95b96");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ToString(), "5d7134962110d30a34e95b96");
  EXPECT_EQ(id->bytes()[0], 0x5d);
}

TEST(ObjectIdTest, RefusesNonCanonical) {
  for (const char* bad :
       {"", "5d7134962110d30a34e95b9", "5d7134962110d30a34e95b966",
        "5D7134962110D30A34E95B96", "5d7134962110d30a34e95b9g",
        "9bd8359943b545500278875r"}) {
    EXPECT_FALSE(ObjectId::Parse(bad).has_value()) << bad;
  }
}

TEST(ObjectIdTest, HashesAndOrders) {
  absl::flat_hash_set<ObjectId> set;
  set.insert(*ObjectId::Parse("000000000000000000000001"));
  set.insert(*ObjectId::Parse("000000000000000000000002"));
  set.insert(*ObjectId::Parse("000000000000000000000001"));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_LT(*ObjectId::Parse("000000000000000000000001"),
            *ObjectId::Parse("000000000000000000000002"));
}

}  // namespace
}  // namespace boxoffice
