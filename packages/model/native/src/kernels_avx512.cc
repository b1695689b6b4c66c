// AVX-512 micro-kernel: a 12 x 32 tile of C in 24 zmm accumulators, 24 FMAs per depth step from two
// loads of B and twelve broadcasts of A. Tiles 16 or fewer columns wide (the last panel of Co = 16 or
// 48) run the 12 x 16 half, so no FMA is spent on padding columns; edges use masked loads and stores.
#include "micro.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define DIGITFUSE_AVX512 __attribute__((target("avx512f,fma")))

namespace digitfuse {
namespace {

constexpr int MR = 12;
constexpr int NR = 32;
constexpr int KC = 128;  // B panel 128 x 32 floats = 16 KB, A panel 6 KB: both in L1

DIGITFUSE_AVX512 inline __mmask16 columns(int n) { return n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1); }

DIGITFUSE_AVX512 inline void storeRow(float* row, __m512 v, __mmask16 m, bool accumulate) {
  if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, row));
  _mm512_mask_storeu_ps(row, m, v);
}

/** nr <= 16: one zmm per row, reading the first 16 of each packed group of 32. */
DIGITFUSE_AVX512 void half(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr, int nr) {
  __m512 acc[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) acc[i] = _mm512_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) acc[i] = _mm512_fmadd_ps(_mm512_set1_ps(a[i]), b0, acc[i]);
    a += MR;
    b += NR;
  }
  const __mmask16 m = columns(nr);
  for (int i = 0; i < mr; ++i) storeRow(c + i * ldc, acc[i], m, accumulate);
}

DIGITFUSE_AVX512 void micro(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr, int nr) {
  if (nr <= 16) {
    half(kc, a, b, c, ldc, accumulate, mr, nr);
    return;
  }
  __m512 lo[MR], hi[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) lo[i] = hi[i] = _mm512_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      lo[i] = _mm512_fmadd_ps(av, b0, lo[i]);
      hi[i] = _mm512_fmadd_ps(av, b1, hi[i]);
    }
    a += MR;
    b += NR;
  }
  const __mmask16 m1 = columns(nr - 16);
  for (int i = 0; i < mr; ++i) {
    float* row = c + i * ldc;
    storeRow(row, lo[i], 0xFFFF, accumulate);
    storeRow(row + 16, hi[i], m1, accumulate);
  }
}

DIGITFUSE_AVX512 double probe(long iterations) {
  // 16 independent chains: enough to cover the FMA latency on two 512-bit pipes.
  __m512 acc[16];
  const __m512 x = _mm512_set1_ps(0.999999f);
  const __m512 y = _mm512_set1_ps(1e-7f);
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 16; ++i) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return static_cast<double>(iterations) * 16 * 16 * 2;
}

const MicroKernelSet set{"avx512", MR, NR, KC, micro, probe};

}  // namespace

const MicroKernelSet* avx512Set() { return &set; }

}  // namespace digitfuse

#else

namespace digitfuse {
const MicroKernelSet* avx512Set() { return nullptr; }
}  // namespace digitfuse

#endif
