// Micro-kernels of the blocked matrix product, one set per instruction set, chosen at load time from
// the CPU's features (or DIGITFUSE_ISA through setIsa): AVX-512 (kernels_avx512.cc), AVX2 + FMA and
// portable C++ that the compiler vectorises (kernels.cc). Each file is compiled for the baseline
// target; the instructions of a set are enabled per function (target attributes), so one build runs
// on any CPU of its architecture and only calls a set the CPU has.
#pragma once

namespace digitfuse {

/**
 * The scalar 2x2 max-pool window gradient (see MicroKernelSet::maxPoolGrad2x2): the first-maximum rule
 * from strict comparisons in window order. The portable set's window and the vector sets' tails.
 * The bottom pair's first maximum skips a NaN c (else NaN would hide a d above the top pair's best);
 * a NaN a makes the whole window NaN, which the caller redoes.
 */
inline int maxPoolGrad2x2Scalar(const float* a, const float* b, const float* c, const float* d, const float* dy, float* da, float* db, float* dc,
                                float* dd, int channels) {
  int special = 0;
  for (int k = 0; k < channels; ++k) {
    const bool topB = b[k] > a[k];
    const float top = topB ? b[k] : a[k];
    const bool bottomD = d[k] > c[k] || c[k] != c[k];  // a NaN c never wins: d does, even if not greater
    const float bottom = bottomD ? d[k] : c[k];
    const bool lower = bottom > top;
    const float best = lower ? bottom : top;
    const float g = dy[k];
    da[k] = (!lower && !topB) ? g : 0.0f;
    db[k] = (!lower && topB) ? g : 0.0f;
    dc[k] = (lower && !bottomD) ? g : 0.0f;
    dd[k] = (lower && bottomD) ? g : 0.0f;
    special += !(best > -__builtin_inff());
  }
  return special;
}

#if defined(__GNUC__) || defined(__clang__)
/**
 * The FMA-peak probe of one instruction set: `Chains` independent multiply-add chains of the vector
 * type `V` (GCC/Clang vector extension of floats) in registers, nothing from memory; returns the
 * floating-point operations done. Always inlined into the set's function, whose target attribute
 * makes `acc * x + y` that set's FMA (GCC and Clang contract it) on its register width.
 */
template <typename V, int Chains>
__attribute__((always_inline)) inline double fmaChains(long iterations) {
  constexpr int lanes = sizeof(V) / sizeof(float);
  V acc[Chains];
  const V x = V{} + 0.999999f;
  const V y = V{} + 1e-7f;
  for (int i = 0; i < Chains; ++i) acc[i] = V{} + static_cast<float>(i);
  for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 16
    for (int i = 0; i < Chains; ++i) acc[i] = acc[i] * x + y;
  }
  V s = acc[0];
  for (int i = 1; i < Chains; ++i) s += acc[i];
  volatile float sink = s[0];
  (void)sink;
  return static_cast<double>(iterations) * Chains * lanes * 2;
}
#endif

/**
 * C[mr x nr] (+)= A[mr x kc] * B[kc x nr]: A packed as kc groups of `mr` values (the set's tile rows),
 * B as kc groups of `nr` values (its tile columns); mr/nr at the call may be smaller (edges).
 */
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr, int nr);

/**
 * A convolution's product without im2col or packing of its input: C[mr x nr] (+)= the sum over taps t
 * and k < tapLen of A_i(t, k) * B[t * tapLen + k][j], where row i of A reads tap t at
 * `table[t * MR + i][k]` (MR: the set's tile rows; a pointer to zeros for a tap outside the input or a
 * row past mr), B as the micro-kernel's (whole depth, groups of NR). Then + bias[j] (bias may be null)
 * and, when `relu`, negative values (not NaN) become 0 (the forward convolution's epilogue).
 */
using TapsKernel = void (*)(int taps, int tapLen, const float* const* table, const float* b, float* c, long ldc, const float* bias, bool relu,
                            bool accumulate, int mr, int nr);

/**
 * The filter gradient's product without im2col: C[mr x nr] (+)= the sum over p < kc of
 * rows[p][offset + i] * B[p][j] (B as the micro-kernel's). Reads MR values at each `rows[p] + offset`
 * whatever mr is (the caller makes them readable).
 */
using DepthKernel = void (*)(int kc, const float* const* rows, long offset, const float* b, float* c, long ldc, bool accumulate, int mr, int nr);

/** One instruction set's micro-kernel and the blocking sized for it. */
struct MicroKernelSet {
  const char* isa;     // "avx512", "avx2" or "portable" (the DIGITFUSE_ISA values)
  int mr, nr;          // register tile (rows x columns of C)
  int kc;              // depth of one packed block (an nr-wide B panel of kc rows stays in L1)
  MicroKernel kernel;
  /** The pack-free convolution kernels (same tile and B layout); null: the convolutions use im2col + `kernel`. */
  TapsKernel taps;
  DepthKernel depth;
  /** Runs `iterations` rounds of independent FMAs in registers; returns the floating-point operations done. */
  double (*fmaProbe)(long iterations);
  /**
   * One 2x2 max-pool window's gradient over `channels` (cells a b / c d, outputs da db / dc dd): each
   * output gets dy where its cell is the first strict maximum, else 0. Returns how many channels had no
   * maximum above -Infinity (NaN or all -Infinity; the caller redoes those). Null: the scalar loop.
   */
  int (*maxPoolGrad2x2)(const float* a, const float* b, const float* c, const float* d, const float* dy, float* da, float* db, float* dc, float* dd,
                        int channels);
};

/** The vector-extension portable micro-kernel (kernels_portable.cc); null where the compiler lacks the extension. */
MicroKernel portableMicroKernel();
/** Its pack-free convolution kernels; null likewise. */
TapsKernel portableTapsKernel();
DepthKernel portableDepthKernel();
/** Its FMA probe (four-float vectors); null likewise. */
double (*portableFmaProbe())(long);

/** The AVX2 max-pool window (kernels_avx2.cc); null where the build is not for x86-64. */
using MaxPoolGrad2x2 = int (*)(const float*, const float*, const float*, const float*, const float*, float*, float*, float*, float*, int);
MaxPoolGrad2x2 avx2MaxPoolGrad2x2();

/** The AVX-512 set (kernels_avx512.cc); null where the build is not for x86-64. */
const MicroKernelSet* avx512Set();

/** Whether the CPU (and the OS, for the wider registers) supports `isa`. */
bool cpuSupports(const char* isa);

}  // namespace digitfuse
