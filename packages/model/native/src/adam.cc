// Adam's update of one variable (the DigitfuseAdam kernel; its JS twin is src/backend/wasm-kernels/adam.ts).
#include "kernels.h"

#include <cmath>

// Every operation rounded to float32 in tfjs's order, as its element-wise kernels do: no multiply and
// add contracted into an FMA (GCC contracts across statements by default, Clang within expressions;
// on x86-64 the baseline has no FMA, on ARM64 it does). The loop vectorises (SSE / NEON: divides and
// square roots are exact in both) because the outputs are declared apart from the inputs and the addon
// is built with -fno-math-errno (else sqrt of a negative would have to set errno: a call per value).
#if defined(__clang__)
#define DIGITFUSE_EXACT
#elif defined(__GNUC__)
#define DIGITFUSE_EXACT __attribute__((optimize("fp-contract=off")))
#else
#define DIGITFUSE_EXACT
#endif

namespace digitfuse {

DIGITFUSE_EXACT void adamUpdate(long n, const float* c, const float* __restrict x, const float* __restrict g, const float* __restrict m,
                                const float* __restrict v, float* __restrict xo, float* __restrict mo, float* __restrict vo) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  const float b1 = c[0], c1 = c[1], b2 = c[2], c2 = c[3], d1 = c[4], d2 = c[5], eps = c[6], negLr = c[7];
  for (long i = 0; i < n; ++i) {
    const float gi = g[i];
    const float gm = gi * c1;
    const float mi = m[i] * b1 + gm;
    const float gg = gi * gi;
    const float gv = gg * c2;
    const float vi = v[i] * b2 + gv;
    mo[i] = mi;
    vo[i] = vi;
    const float mh = mi / d1;
    const float vh = vi / d2;
    const float den = std::sqrt(vh) + eps;
    const float step = (mh / den) * negLr;
    xo[i] = step + x[i];
  }
}

}  // namespace digitfuse
