// AVX2 helpers of the AVX2 + FMA set (its micro-kernel is in kernels.cc): the max-pool window gradient.
#include "micro.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

namespace digitfuse {
namespace {

__attribute__((target("avx2"))) int maxPoolGrad2x2(const float* a, const float* b, const float* c, const float* d, const float* dy, float* da,
                                                    float* db, float* dc, float* dd, int channels) {
  const __m256 negInf = _mm256_set1_ps(-__builtin_inff());
  int special = 0;
  int k = 0;
  for (; k + 8 <= channels; k += 8) {
    const __m256 av = _mm256_loadu_ps(a + k), bv = _mm256_loadu_ps(b + k), cv = _mm256_loadu_ps(c + k), dv = _mm256_loadu_ps(d + k);
    // Ordered greater-than, as `>` in C: NaN never compares greater, so never wins.
    const __m256 topB = _mm256_cmp_ps(bv, av, _CMP_GT_OQ);
    const __m256 top = _mm256_blendv_ps(av, bv, topB);
    // d wins the bottom pair where it is greater or c is NaN (as in maxPoolGrad2x2Scalar).
    const __m256 bottomD = _mm256_or_ps(_mm256_cmp_ps(dv, cv, _CMP_GT_OQ), _mm256_cmp_ps(cv, cv, _CMP_UNORD_Q));
    const __m256 bottom = _mm256_blendv_ps(cv, dv, bottomD);
    const __m256 lower = _mm256_cmp_ps(bottom, top, _CMP_GT_OQ);
    const __m256 best = _mm256_blendv_ps(top, bottom, lower);
    const __m256 g = _mm256_loadu_ps(dy + k);
    const __m256 upper = _mm256_andnot_ps(lower, g);  // g where the top row wins
    const __m256 under = _mm256_and_ps(lower, g);     // g where the bottom row wins
    _mm256_storeu_ps(da + k, _mm256_andnot_ps(topB, upper));
    _mm256_storeu_ps(db + k, _mm256_and_ps(topB, upper));
    _mm256_storeu_ps(dc + k, _mm256_andnot_ps(bottomD, under));
    _mm256_storeu_ps(dd + k, _mm256_and_ps(bottomD, under));
    special += __builtin_popcount(static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(best, negInf, _CMP_NGT_UQ))));
  }
  return special + maxPoolGrad2x2Scalar(a + k, b + k, c + k, d + k, dy + k, da + k, db + k, dc + k, dd + k, channels - k);
}

}  // namespace

MaxPoolGrad2x2 avx2MaxPoolGrad2x2() { return maxPoolGrad2x2; }

}  // namespace digitfuse

#else

namespace digitfuse {
MaxPoolGrad2x2 avx2MaxPoolGrad2x2() { return nullptr; }
}  // namespace digitfuse

#endif
