// Micro-kernels of the blocked matrix product, one set per instruction set, chosen at load time from
// the CPU's features (or DIGITFUSE_ISA through setIsa): AVX-512 (kernels_avx512.cc), AVX2 + FMA and
// portable C++ that the compiler vectorises (kernels.cc). Each file is compiled for the baseline
// target; the instructions of a set are enabled per function (target attributes), so one build runs
// on any CPU of its architecture and only calls a set the CPU has.
#pragma once

namespace digitfuse {

/**
 * C[mr x nr] (+)= A[mr x kc] * B[kc x nr]: A packed as kc groups of `mr` values (the set's tile rows),
 * B as kc groups of `nr` values (its tile columns); mr/nr at the call may be smaller (edges).
 */
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr, int nr);

/** One instruction set's micro-kernel and the blocking sized for it. */
struct MicroKernelSet {
  const char* isa;     // "avx512", "avx2" or "portable" (the DIGITFUSE_ISA values)
  int mr, nr;          // register tile (rows x columns of C)
  int kc;              // depth of one packed block (an nr-wide B panel of kc rows stays in L1)
  MicroKernel kernel;
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
