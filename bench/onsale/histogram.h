// A log-linear latency histogram (about 3% resolution, any value up to
// 2^64 ns) for the on-sale harness: fixed size, no allocation per sample,
// mergeable across threads.
//
// Thread-safety: not synchronized; one per thread, merged after the run.
#ifndef BOXOFFICE_BENCH_ONSALE_HISTOGRAM_H_
#define BOXOFFICE_BENCH_ONSALE_HISTOGRAM_H_

#include <array>
#include <cstdint>

namespace boxoffice::onsale {

// Thread-safety: not synchronized; one per thread, merged after joining.
class Histogram {
 public:
  // Values below 64 have a bucket each; above, every power of two is cut
  // into 32 buckets.
  static constexpr int kSubBits = 5;
  static constexpr int kLinear = 64;
  static constexpr int kBuckets = kLinear + (64 - 6) * (1 << kSubBits);

  void Add(uint64_t v) {
    ++counts_[Index(v)];
    ++total_;
  }

  void Merge(const Histogram& other) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    total_ += other.total_;
  }

  uint64_t count() const { return total_; }

  // The value below which a fraction q (0..1) of the samples fall: the
  // middle of the bucket holding that rank. 0 when empty.
  uint64_t Percentile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen > rank) return (Lower(i) + Lower(i + 1)) / 2;
    }
    return Lower(kBuckets - 1);
  }

  static int Index(uint64_t v) {
    if (v < kLinear) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);  // >= 6
    const int shift = msb - kSubBits;
    return kLinear + (msb - 6) * (1 << kSubBits) +
           static_cast<int>((v >> shift) - (uint64_t{1} << kSubBits));
  }

  static uint64_t Lower(int index) {
    if (index < kLinear) return static_cast<uint64_t>(index);
    const int octave = (index - kLinear) >> kSubBits;
    const int sub = (index - kLinear) & ((1 << kSubBits) - 1);
    const int msb = octave + 6;
    if (msb >= 64) return ~uint64_t{0};
    return (uint64_t{1} << kSubBits | static_cast<uint64_t>(sub))
           << (msb - kSubBits);
  }

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
};

}  // namespace boxoffice::onsale

#endif  // BOXOFFICE_BENCH_ONSALE_HISTOGRAM_H_
