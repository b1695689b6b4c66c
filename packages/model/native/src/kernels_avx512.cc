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

typedef float v16 __attribute__((vector_size(64)));

DIGITFUSE_AVX512 __attribute__((always_inline)) inline v16 splat(float x) { return _mm512_set1_ps(x); }
#define DIGITFUSE_TILE_TARGET DIGITFUSE_AVX512
#include "conv_tiles.inc"
#undef DIGITFUSE_TILE_TARGET

// The pack-free convolution kernels on the same 12 x 32 tile; panels 16 or fewer columns wide run
// one vector per row, as `half`.
DIGITFUSE_AVX512 void convTaps(int taps, int tapLen, const float* const* table, const float* b, float* c, long ldc, const float* bias, bool relu,
                           bool accumulate, int mr, int nr) {
  if (nr <= 16) {
    tapsKernelV<v16, MR, 2, 1>(taps, tapLen, table, b, c, ldc, bias, relu, accumulate, mr, nr);
  } else {
    tapsKernelV<v16, MR, 2>(taps, tapLen, table, b, c, ldc, bias, relu, accumulate, mr, nr);
  }
}

DIGITFUSE_AVX512 void convDepth(int kc, const float* const* rows, long offset, const float* b, float* c, long ldc, bool accumulate, int mr, int nr) {
  if (nr <= 16) {
    depthKernelV<v16, MR, 2, 1>(kc, rows, offset, b, c, ldc, accumulate, mr, nr);
  } else {
    depthKernelV<v16, MR, 2>(kc, rows, offset, b, c, ldc, accumulate, mr, nr);
  }
}

// 16 independent chains: enough to cover the FMA latency on two 512-bit pipes.
DIGITFUSE_AVX512 double probe(long iterations) { return fmaChains<v16, 16>(iterations); }

DIGITFUSE_AVX512 int maxPoolGrad2x2(const float* a, const float* b, const float* c, const float* d, const float* dy, float* da, float* db, float* dc,
                                     float* dd, int channels) {
  const __m512 negInf = _mm512_set1_ps(-__builtin_inff());
  int special = 0;
  for (int k = 0; k < channels; k += 16) {
    const __mmask16 m = columns(channels - k);
    const __m512 av = _mm512_maskz_loadu_ps(m, a + k), bv = _mm512_maskz_loadu_ps(m, b + k);
    const __m512 cv = _mm512_maskz_loadu_ps(m, c + k), dv = _mm512_maskz_loadu_ps(m, d + k);
    // Ordered greater-than, as `>` in C: NaN never compares greater, so never wins.
    const __mmask16 topB = _mm512_cmp_ps_mask(bv, av, _CMP_GT_OQ);
    const __m512 top = _mm512_mask_blend_ps(topB, av, bv);
    // d wins the bottom pair where it is greater or c is NaN (as in maxPoolGrad2x2Scalar).
    const __mmask16 bottomD = _mm512_cmp_ps_mask(dv, cv, _CMP_GT_OQ) | _mm512_cmp_ps_mask(cv, cv, _CMP_UNORD_Q);
    const __m512 bottom = _mm512_mask_blend_ps(bottomD, cv, dv);
    const __mmask16 lower = _mm512_cmp_ps_mask(bottom, top, _CMP_GT_OQ);
    const __m512 best = _mm512_mask_blend_ps(lower, top, bottom);
    const __m512 g = _mm512_maskz_loadu_ps(m, dy + k);
    _mm512_mask_storeu_ps(da + k, m, _mm512_maskz_mov_ps(static_cast<__mmask16>(~lower & ~topB), g));
    _mm512_mask_storeu_ps(db + k, m, _mm512_maskz_mov_ps(static_cast<__mmask16>(~lower & topB), g));
    _mm512_mask_storeu_ps(dc + k, m, _mm512_maskz_mov_ps(static_cast<__mmask16>(lower & ~bottomD), g));
    _mm512_mask_storeu_ps(dd + k, m, _mm512_maskz_mov_ps(static_cast<__mmask16>(lower & bottomD), g));
    special += __builtin_popcount(static_cast<unsigned>(~_mm512_cmp_ps_mask(best, negInf, _CMP_GT_OQ) & m));
  }
  return special;
}

const MicroKernelSet set{"avx512", MR, NR, KC, micro, convTaps, convDepth, probe, maxPoolGrad2x2};

}  // namespace

const MicroKernelSet* avx512Set() { return &set; }

}  // namespace digitfuse

#else

namespace digitfuse {
const MicroKernelSet* avx512Set() { return nullptr; }
}  // namespace digitfuse

#endif
