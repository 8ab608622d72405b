#include "engine/common/cache_line.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace boxoffice::internal {
namespace {

uintptr_t Line(const void* p) {
  return reinterpret_cast<uintptr_t>(p) / kCacheLine;
}

TEST(CacheLineTest, ArraysStartOnALineAndShareNone) {
  CacheLineArray<uint8_t> a = NewCacheLineArray<uint8_t>(1);
  CacheLineArray<uint8_t> b = NewCacheLineArray<uint8_t>(1);
  CacheLineArray<uint32_t> c = NewCacheLineArray<uint32_t>(17);
  for (const void* p :
       {static_cast<const void*>(a.get()), static_cast<const void*>(b.get()),
        static_cast<const void*>(c.get())}) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % kCacheLine, 0u);
  }
  EXPECT_NE(Line(a.get()), Line(b.get()));
  // c's 68 bytes take two lines, neither of them a's or b's.
  for (const uint8_t* other : {a.get(), b.get()}) {
    EXPECT_NE(Line(other), Line(&c[0]));
    EXPECT_NE(Line(other), Line(&c[16]));
  }
  for (int i = 0; i < 17; ++i) EXPECT_EQ(c[i], 0u);  // value-initialized
  EXPECT_EQ(WholeLines(0), kCacheLine);
  EXPECT_EQ(WholeLines(64), 64u);
  EXPECT_EQ(WholeLines(65), 128u);
}

int g_alive = 0;
int g_built = 0;
struct ThrowsOnThird {
  ThrowsOnThird() {
    if (++g_built == 3) throw std::runtime_error("third");
    ++g_alive;
  }
  ~ThrowsOnThird() { --g_alive; }
};

TEST(CacheLineTest, AThrowingConstructorDestroysWhatWasBuilt) {
  g_alive = 0;
  g_built = 0;
  EXPECT_THROW(NewCacheLineArray<ThrowsOnThird>(5), std::runtime_error);
  EXPECT_EQ(g_alive, 0);  // the two built were destroyed (ASan: and freed)
  g_built = 10;           // past the throwing one
  {
    CacheLineArray<ThrowsOnThird> ok = NewCacheLineArray<ThrowsOnThird>(4);
    EXPECT_EQ(g_alive, 4);
  }
  EXPECT_EQ(g_alive, 0);
}

TEST(CacheLineTest, AllocatorGivesContainersWholeLines) {
  std::vector<int, CacheLineAllocator<int>> v(3, 7);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kCacheLine, 0u);
  using Text =
      std::basic_string<char, std::char_traits<char>, CacheLineAllocator<char>>;
  Text t(std::string(100, 'x'));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % kCacheLine, 0u);
  EXPECT_EQ(std::string_view(t), std::string(100, 'x'));
  std::vector<int, CacheLineAllocator<int>> w(1, 1);
  EXPECT_NE(Line(v.data()), Line(w.data()));
}

}  // namespace
}  // namespace boxoffice::internal
