// Portable micro-kernel (6 x 16 tile, as the AVX2 one) written with the GCC/Clang vector extension:
// 24 four-float accumulators the compiler maps to NEON on ARM (32 registers: no spills) and to SSE on
// x86 without AVX2. Plain C++ loops over a float tile were not kept in registers (3 GFLOP/s on x86).
#include "micro.h"

#if defined(__GNUC__) || defined(__clang__)

namespace digitfuse {
namespace {

constexpr int MR = 6;
constexpr int NR = 16;

typedef float v4 __attribute__((vector_size(16)));

__attribute__((always_inline)) inline v4 splat(float x) { return v4{x, x, x, x}; }
#define DIGITFUSE_TILE_TARGET
#include "conv_tiles.inc"
#undef DIGITFUSE_TILE_TARGET

inline v4 load4(const float* p) {
  v4 v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

void micro(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr, int nr) {
  v4 acc[MR][4];
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < 4; ++j) acc[i][j] = v4{0, 0, 0, 0};
  }
  for (int k = 0; k < kc; ++k) {
    const v4 b0 = load4(b), b1 = load4(b + 4), b2 = load4(b + 8), b3 = load4(b + 12);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const v4 av = v4{a[i], a[i], a[i], a[i]};
      acc[i][0] += av * b0;
      acc[i][1] += av * b1;
      acc[i][2] += av * b2;
      acc[i][3] += av * b3;
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < mr; ++i) {
    float t[NR];
    __builtin_memcpy(t, acc[i], sizeof(t));
    float* row = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < nr; ++j) row[j] += t[j];
    } else {
      for (int j = 0; j < nr; ++j) row[j] = t[j];
    }
  }
}

void convTaps(int taps, int tapLen, const float* const* table, const float* b, float* c, long ldc, const float* bias, bool relu, bool accumulate,
          int mr, int nr) {
  tapsKernelV<v4, MR, 4>(taps, tapLen, table, b, c, ldc, bias, relu, accumulate, mr, nr);
}

void convDepth(int kc, const float* const* rows, long offset, const float* b, float* c, long ldc, bool accumulate, int mr, int nr) {
  depthKernelV<v4, MR, 4>(kc, rows, offset, b, c, ldc, accumulate, mr, nr);
}

// 12 chains of four-float multiply + add (an FMA where the target has one).
double probe(long iterations) { return fmaChains<v4, 12>(iterations); }

}  // namespace

MicroKernel portableMicroKernel() { return micro; }
TapsKernel portableTapsKernel() { return convTaps; }
DepthKernel portableDepthKernel() { return convDepth; }
double (*portableFmaProbe())(long) { return probe; }

}  // namespace digitfuse

#else

namespace digitfuse {
MicroKernel portableMicroKernel() { return nullptr; }
TapsKernel portableTapsKernel() { return nullptr; }
DepthKernel portableDepthKernel() { return nullptr; }
double (*portableFmaProbe())(long) { return nullptr; }
}  // namespace digitfuse

#endif
