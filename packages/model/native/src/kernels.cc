#include "kernels.h"

#include <chrono>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "micro.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define DIGITFUSE_X86 1
#endif

namespace digitfuse {
namespace {

// Register tile of the AVX2 and portable micro-kernels (rows x columns of C), their packed depth, and
// the rows of A packed at a time by every set (a multiple of every set's tile rows: 6, 12).
constexpr int MR = 6;
constexpr int NR = 16;
constexpr int KC = 256;  // depth of one packed block (A panel 6 KB, B panel 16 KB: both in L1)
constexpr int MC = 96;   // rows of A packed at a time (about 100 KB: L2)

void storeTile(const float (&t)[MR][NR], float* c, long ldc, bool accumulate, int mr, int nr) {
  for (int i = 0; i < mr; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      for (int j = 0; j < nr; ++j) row[j] += t[i][j];
    } else {
      for (int j = 0; j < nr; ++j) row[j] = t[i][j];
    }
  }
}

// C[mr x nr] (+)= A[mr x kc] * B[kc x nr], A packed as kc groups of MR values, B as kc groups of NR.
void microPortable(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr, int nr) {
  float t[MR][NR] = {};
  for (int k = 0; k < kc; ++k) {
    const float* ak = a + k * MR;
    const float* bk = b + k * NR;
    for (int i = 0; i < MR; ++i) {
      const float av = ak[i];
      for (int j = 0; j < NR; ++j) t[i][j] += av * bk[j];
    }
  }
  storeTile(t, c, ldc, accumulate, mr, nr);
}

#ifdef DIGITFUSE_X86
__attribute__((target("avx2,fma"))) void microAvx2(int kc, const float* a, const float* b, float* c, long ldc, bool accumulate, int mr,
                                                    int nr) {
  // Row i of the tile in two registers, acc[i][0] (columns 0-7) and acc[i][1] (8-15); the loops over
  // rows are unrolled, so the twelve accumulators stay in registers.
  __m256 acc[MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      float* row = c + i * ldc;
      __m256 lo = acc[i][0];
      __m256 hi = acc[i][1];
      if (accumulate) {
        lo = _mm256_add_ps(lo, _mm256_loadu_ps(row));
        hi = _mm256_add_ps(hi, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, lo);
      _mm256_storeu_ps(row + 8, hi);
    }
    return;
  }
  float t[MR][NR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    _mm256_storeu_ps(t[i], acc[i][0]);
    _mm256_storeu_ps(t[i] + 8, acc[i][1]);
  }
  storeTile(t, c, ldc, accumulate, mr, nr);
}
#endif

// FMA throughput probes (micro.h): independent chains in registers, nothing from memory.
double probePortable(long iterations) {
  float acc[32];
  for (int i = 0; i < 32; ++i) acc[i] = static_cast<float>(i);
  for (long n = 0; n < iterations; ++n) {
    for (int i = 0; i < 32; ++i) acc[i] = acc[i] * 0.999999f + 1e-7f;
  }
  float s = 0.0f;
  for (float v : acc) s += v;
  volatile float sink = s;
  (void)sink;
  return static_cast<double>(iterations) * 32 * 2;
}

#ifdef DIGITFUSE_X86
typedef float v8 __attribute__((vector_size(32)));

__attribute__((target("avx2,fma"), always_inline)) inline v8 splat(float x) { return _mm256_set1_ps(x); }
#define DIGITFUSE_TILE_TARGET __attribute__((target("avx2,fma")))
#include "conv_tiles.inc"
#undef DIGITFUSE_TILE_TARGET

__attribute__((target("avx2,fma"))) void tapsAvx2(int taps, int tapLen, const float* const* table, const float* b, float* c, long ldc,
                                                   const float* bias, bool relu, bool accumulate, int mr, int nr) {
  tapsKernelV<v8, MR, 2>(taps, tapLen, table, b, c, ldc, bias, relu, accumulate, mr, nr);
}

__attribute__((target("avx2,fma"))) void depthAvx2(int kc, const float* const* rows, long offset, const float* b, float* c, long ldc,
                                                    bool accumulate, int mr, int nr) {
  depthKernelV<v8, MR, 2>(kc, rows, offset, b, c, ldc, accumulate, mr, nr);
}

// 12 chains of eight-float FMAs: two 256-bit pipes of latency 4-5.
__attribute__((target("avx2,fma"))) double probeAvx2(long iterations) { return fmaChains<v8, 12>(iterations); }

const MicroKernelSet avx2Set{"avx2", MR, NR, KC, microAvx2, tapsAvx2, depthAvx2, probeAvx2, avx2MaxPoolGrad2x2()};
#endif
// The vector-extension kernel where the compiler has it (GCC, Clang), the scalar loops otherwise (MSVC).
const MicroKernelSet portableSet{"portable", MR, NR, KC, portableMicroKernel() != nullptr ? portableMicroKernel() : microPortable,
                                 portableTapsKernel(), portableDepthKernel(),
                                 portableFmaProbe() != nullptr ? portableFmaProbe() : probePortable, nullptr};

/** The set named `isa` if this build has it (whether the CPU does is cpuSupports'). */
const MicroKernelSet* findSet(const char* isa) {
  if (std::strcmp(isa, "avx512") == 0) return avx512Set();
#ifdef DIGITFUSE_X86
  if (std::strcmp(isa, "avx2") == 0) return &avx2Set;
#endif
  if (std::strcmp(isa, "portable") == 0) return &portableSet;
  return nullptr;
}

const char* const ISA_ORDER[] = {"avx512", "avx2", "portable"};  // best first

const MicroKernelSet* bestSet() {
  for (const char* isa : ISA_ORDER) {
    const MicroKernelSet* set = findSet(isa);
    if (set != nullptr && cpuSupports(isa)) return set;
  }
  return &portableSet;
}

/** The set every matrix product uses (setIsa changes it between kernel calls). */
const MicroKernelSet* active = bestSet();
int threadCount = std::max(1u, std::thread::hardware_concurrency());

/** A matrix read through strides: element (r, c) at data[r * rs + c * cs]. */
struct Strided {
  const float* data;
  long rs;
  long cs;
  float at(long r, long c) const { return data[r * rs + c * cs]; }
};

/** B[k0..k0+kc, all N columns] into ceil(N/NR) panels of kc x NR (zero-padded columns). */
void packB(const Strided& b, int k0, int kc, int n, float* dst) {
  const int NR = active->nr;
  for (int j0 = 0; j0 < n; j0 += NR) {
    const int nr = std::min(NR, n - j0);
    for (int k = 0; k < kc; ++k) {
      float* d = dst + k * NR;
      if (b.cs == 1) {
        const float* s = b.data + (k0 + k) * b.rs + j0;
        for (int j = 0; j < nr; ++j) d[j] = s[j];
      } else {
        for (int j = 0; j < nr; ++j) d[j] = b.at(k0 + k, j0 + j);
      }
      for (int j = nr; j < NR; ++j) d[j] = 0.0f;
    }
    dst += kc * NR;
  }
}

/** A[i0..i0+mc, k0..k0+kc] into ceil(mc/MR) panels of kc x MR (zero-padded rows). */
void packA(const Strided& a, int i0, int mc, int k0, int kc, float* dst) {
  const int MR = active->mr;
  for (int p = 0; p < mc; p += MR) {
    const int mr = std::min(MR, mc - p);
    if (a.cs == 1) {
      for (int i = 0; i < mr; ++i) {
        const float* s = a.data + (i0 + p + i) * a.rs + k0;
        for (int k = 0; k < kc; ++k) dst[k * MR + i] = s[k];
      }
    } else {
      for (int k = 0; k < kc; ++k) {
        const float* s = a.data + (k0 + k) * a.cs + (i0 + p) * a.rs;
        for (int i = 0; i < mr; ++i) dst[k * MR + i] = s[i * a.rs];
      }
    }
    for (int i = mr; i < MR; ++i) {
      for (int k = 0; k < kc; ++k) dst[k * MR + i] = 0.0f;
    }
    dst += kc * MR;
  }
}

int panels(int n, int r) { return (n + r - 1) / r; }

/** Scratch buffers of one thread, grown on demand and kept between calls. */
struct Scratch {
  std::vector<float> a, b, cols, zeros;
  std::vector<const float*> table;
  static float* grow(std::vector<float>& v, size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
  /** At least n zeros (the pack-free kernels' taps outside the input). */
  const float* zerosOf(size_t n) {
    if (zeros.size() < n) zeros.assign(n, 0.0f);
    return zeros.data();
  }
  const float** tableOf(size_t n) {
    if (table.size() < n) table.resize(n);
    return table.data();
  }
};
thread_local Scratch scratch;

/**
 * C[M x N] (+)= A[M x K] * B[K x N] with B already packed over its whole depth (panels of K x NR).
 * `accumulate` false overwrites C.
 */
void gemmPackedB(int m, int n, int k, const Strided& a, const float* bPacked, float* c, long ldc, bool accumulate) {
  const int MR = active->mr, NR = active->nr, KC = active->kc;
  const MicroKernel micro = active->kernel;
  float* aPacked = Scratch::grow(scratch.a, static_cast<size_t>(panels(MC, MR)) * MR * KC);
  const int nPanels = panels(n, NR);
  for (int i0 = 0; i0 < m; i0 += MC) {
    const int mc = std::min(MC, m - i0);
    for (int k0 = 0; k0 < k; k0 += KC) {
      const int kc = std::min(KC, k - k0);
      packA(a, i0, mc, k0, kc, aPacked);
      const bool acc = accumulate || k0 > 0;
      for (int jp = 0; jp < nPanels; ++jp) {
        const int nr = std::min(NR, n - jp * NR);
        const float* bp = bPacked + static_cast<size_t>(jp) * k * NR + static_cast<size_t>(k0) * NR;
        for (int ip = 0; ip * MR < mc; ++ip) {
          const int mr = std::min(MR, mc - ip * MR);
          micro(kc, aPacked + static_cast<size_t>(ip) * kc * MR, bp, c + (i0 + ip * MR) * ldc + jp * NR, ldc, acc, mr, nr);
        }
      }
    }
  }
}

/** B[K x N] packed over its whole depth, panel by panel (the layout `gemmPackedB` wants). */
std::vector<float> packWholeB(const Strided& b, int k, int n) {
  std::vector<float> out(static_cast<size_t>(panels(n, active->nr)) * active->nr * k);
  // packB writes panel after panel of kc x NR; with kc = k that is exactly the whole-depth layout.
  packB(b, 0, k, n, out.data());
  return out;
}

/**
 * Helper threads that live as long as the process and wait for work, so a kernel call costs a
 * wake-up rather than a thread creation (measured: creating and joining a thread per call added
 * 0.2-0.4 ms to each of the ~25 kernel calls of a training step). One call at a time.
 */
class Pool {
 public:
  /** Runs `work(unit)` for units 0..count-1 on `threads` threads (the caller's included). */
  void run(int count, int threads, const std::function<void(int)>& work) {
    std::lock_guard<std::mutex> one(callLock_);
    const int helpers = std::min(threads, count) - 1;
    if (helpers <= 0) {
      for (int u = 0; u < count; ++u) work(u);
      return;
    }
    grow(helpers);
    {
      std::lock_guard<std::mutex> lock(m_);
      task_ = &work;
      units_ = count;
      next_.store(0);
      helpers_ = helpers;
      open_ = true;
      ++generation_;
    }
    wake_.notify_all();
    drain();
    // Wait only for helpers that are running units: one that wakes up late (a descheduled vCPU)
    // finds the call closed and goes back to sleep instead of holding the caller up.
    std::unique_lock<std::mutex> lock(m_);
    open_ = false;
    done_.wait(lock, [this] { return running_ == 0; });
    task_ = nullptr;
  }

 private:
  void drain() {
    for (int u = next_.fetch_add(1); u < units_; u = next_.fetch_add(1)) (*task_)(u);
  }

  void grow(int helpers) {
    while (static_cast<int>(workers_.size()) < helpers) {
      const int index = static_cast<int>(workers_.size());
      uint64_t start = 0;
      {
        std::lock_guard<std::mutex> lock(m_);
        start = generation_;  // the next generation (this call's) is the first it must take part in
      }
      workers_.emplace_back([this, index, start] { loop(index, start); });
      workers_.back().detach();  // parked on a condition variable; the process exit ends them
    }
  }

  void loop(int index, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(m_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (index >= helpers_ || !open_) continue;
        ++running_;
      }
      drain();
      std::lock_guard<std::mutex> lock(m_);
      if (--running_ == 0) done_.notify_one();
    }
  }

  std::mutex callLock_;
  std::mutex m_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  int units_ = 0;
  int helpers_ = 0;
  int running_ = 0;
  bool open_ = false;
  uint64_t generation_ = 0;
  std::atomic<int> next_{0};
};

Pool& pool() {
  static Pool* instance = new Pool();  // never destroyed: its threads may still be parked at exit
  return *instance;
}

/**
 * Runs `work(unit)` for units 0..count-1 on the kernel threads (the calling thread included), handing
 * out units one at a time so a slow core does not hold the others back. Calls with little work
 * (`work` multiply-adds in all) stay on the calling thread.
 */
template <class F>
void parallelFor(int count, F work, double macs = 1e9) {
  const int threads = macs < 2e5 ? 1 : threadCount;
  pool().run(count, threads, std::function<void(int)>(work));
}

/** Where the window of output row `row` = (b, oh, ow) starts: image b, input row ih0, input column iw0 (before dilation). */
struct Window {
  long b;
  int ih0;
  int iw0;
};

Window windowOf(const ConvGeometry& g, long row) {
  const long plane = static_cast<long>(g.outH) * g.outW;
  const long b = row / plane;
  const int rem = static_cast<int>(row - b * plane);
  const int oh = rem / g.outW;
  const int ow = rem - oh * g.outW;
  return {b, oh * g.strideH - g.padTop, ow * g.strideW - g.padLeft};
}

/**
 * Calls `visit(t, at)` for each filter tap t (kh, kw in order) of output row `row`: `at` = the inC
 * values of x the tap reads, or null where it falls outside x (padding).
 */
template <class Visit>
void forEachTap(const ConvGeometry& g, const float* x, long row, Visit visit) {
  const Window win = windowOf(g, row);
  int t = 0;
  for (int kh = 0; kh < g.filterH; ++kh) {
    const int ih = win.ih0 + kh * g.dilationH;
    for (int kw = 0; kw < g.filterW; ++kw, ++t) {
      const int iw = win.iw0 + kw * g.dilationW;
      const bool outside = ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW;
      visit(t, outside ? nullptr : x + ((win.b * g.inH + ih) * g.inW + iw) * g.inC);
    }
  }
}

/** Output rows (b, oh, ow) in [row0, row0 + rows) as im2col rows of K = KH*KW*Ci values (zeros outside x). */
void im2col(const ConvGeometry& g, const float* x, long row0, int rows, float* cols) {
  const int kdim = g.filterH * g.filterW * g.inC;
  for (int r = 0; r < rows; ++r) {
    float* row = cols + static_cast<long>(r) * kdim;
    forEachTap(g, x, row0 + r, [&](int t, const float* src) {
      float* d = row + static_cast<long>(t) * g.inC;
      if (g.inC <= 8) {
        // A library call per tap costs more than the copy for few channels (the first layer has one).
        for (int c = 0; c < g.inC; ++c) d[c] = src == nullptr ? 0.0f : src[c];
      } else if (src == nullptr) {
        std::memset(d, 0, sizeof(float) * g.inC);
      } else {
        std::memcpy(d, src, sizeof(float) * g.inC);
      }
    });
  }
}

/** Images per work unit for the forward and input-gradient kernels. */
int imagesPerUnit(const ConvGeometry& g) {
  const long rowsPerImage = static_cast<long>(g.outH) * g.outW;
  return static_cast<int>(std::max<long>(1, 512 / std::max<long>(1, rowsPerImage)));
}

}  // namespace

const char* kernelIsa() { return active->isa; }

void setThreads(int threads) { threadCount = std::max(1, threads); }
int threads() { return threadCount; }

namespace {

/**
 * Where the taps of output rows r0..r0+mr read x: table[t * MR + i] = the inC values of tap t of row
 * r0 + i, or `zero` for a tap outside x and for rows i >= mr (up to the set's MR).
 */
void tapTable(const ConvGeometry& g, const float* x, long r0, int mr, const float* zero, const float** table) {
  const int MR = active->mr;
  for (int i = 0; i < MR; ++i) {
    if (i < mr) {
      forEachTap(g, x, r0 + i, [&](int t, const float* at) { table[t * MR + i] = at == nullptr ? zero : at; });
    } else {
      for (int t = 0; t < g.filterH * g.filterW; ++t) table[t * MR + i] = zero;
    }
  }
}

/**
 * The forward convolution without im2col: each tile of MR output rows reads its taps from x through
 * a table of pointers (the set's TapsKernel), bias and ReLU applied as the tile is stored.
 */
void conv2dForwardTaps(const ConvGeometry& g, const float* x, const float* w, const float* bias, int activation, float* y) {
  const int taps = g.filterH * g.filterW;
  const int kdim = taps * g.inC;
  const int co = g.outC;
  const int MR = active->mr, NR = active->nr;
  const TapsKernel kernel = active->taps;
  const std::vector<float> wPacked = packWholeB(Strided{w, co, 1}, kdim, co);
  const long rows = static_cast<long>(g.batch) * g.outH * g.outW;
  const long tiles = (rows + MR - 1) / MR;
  const long tilesPerUnit = std::max(1, 512 / MR);
  const int units = static_cast<int>((tiles + tilesPerUnit - 1) / tilesPerUnit);
  const int nPanels = panels(co, NR);
  parallelFor(units, [&](int unit) {
    const float* zero = scratch.zerosOf(g.inC);
    const float** table = scratch.tableOf(static_cast<size_t>(taps) * MR);
    const long last = std::min(tiles, (unit + 1) * tilesPerUnit);
    for (long tile = unit * tilesPerUnit; tile < last; ++tile) {
      const long r0 = tile * MR;
      const int mr = static_cast<int>(std::min<long>(MR, rows - r0));
      tapTable(g, x, r0, mr, zero, table);
      for (int jp = 0; jp < nPanels; ++jp) {
        const int nr = std::min(NR, co - jp * NR);
        kernel(taps, g.inC, table, wPacked.data() + static_cast<size_t>(jp) * kdim * NR, y + r0 * co + jp * NR, co,
               bias != nullptr ? bias + jp * NR : nullptr, activation == 1, false, mr, nr);
      }
    }
  }, static_cast<double>(rows) * kdim * co);
}

}  // namespace

void conv2dForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, int activation, float* y) {
  if (active->taps != nullptr) {
    conv2dForwardTaps(g, x, w, bias, activation, y);
    return;
  }
  const int kdim = g.filterH * g.filterW * g.inC;
  const int co = g.outC;
  const std::vector<float> wPacked = packWholeB(Strided{w, co, 1}, kdim, co);
  const long rowsPerImage = static_cast<long>(g.outH) * g.outW;
  const int per = imagesPerUnit(g);
  const int units = (g.batch + per - 1) / per;
  const double macs = static_cast<double>(g.batch) * rowsPerImage * kdim * co;
  parallelFor(units, [&](int unit) {
    const long first = static_cast<long>(unit) * per * rowsPerImage;
    const long last = std::min<long>(g.batch, static_cast<long>(unit + 1) * per) * rowsPerImage;
    float* cols = Scratch::grow(scratch.cols, static_cast<size_t>(MC) * kdim);
    for (long r0 = first; r0 < last; r0 += MC) {
      const int rows = static_cast<int>(std::min<long>(MC, last - r0));
      im2col(g, x, r0, rows, cols);
      float* out = y + r0 * co;
      gemmPackedB(rows, co, kdim, Strided{cols, kdim, 1}, wPacked.data(), out, co, false);
      if (bias != nullptr || activation != 0) {
        for (int r = 0; r < rows; ++r) {
          float* o = out + static_cast<long>(r) * co;
          if (bias != nullptr) {
            for (int j = 0; j < co; ++j) o[j] += bias[j];
          }
          if (activation == 1) {
            for (int j = 0; j < co; ++j) o[j] = o[j] < 0.0f ? 0.0f : o[j];
          }
        }
      }
    }
  }, macs);
}

void conv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  if (active->taps != nullptr && g.strideH == 1 && g.strideW == 1 && g.inC % active->nr == 0) {
    // With stride 1, dx is the forward convolution of dy with the filter turned by 180 degrees and its
    // channels swapped: dx[ih, iw] sums dy[ih + padTop - kh dh, iw + padLeft - kw dw] w[kh, kw]; dy's
    // rows outside it read zeros.
    const ConvGeometry t{g.batch, g.outH, g.outW, g.outC, g.filterH, g.filterW, g.inC, g.inH, g.inW, 1, 1, g.dilationH, g.dilationW,
                         (g.filterH - 1) * g.dilationH - g.padTop, (g.filterW - 1) * g.dilationW - g.padLeft};
    std::vector<float> turned(static_cast<size_t>(g.filterH) * g.filterW * g.inC * g.outC);
    for (int kh = 0; kh < g.filterH; ++kh) {
      for (int kw = 0; kw < g.filterW; ++kw) {
        const float* src = w + (static_cast<long>(g.filterH - 1 - kh) * g.filterW + (g.filterW - 1 - kw)) * g.inC * g.outC;
        float* dst = turned.data() + (static_cast<long>(kh) * g.filterW + kw) * g.outC * g.inC;
        for (int ci = 0; ci < g.inC; ++ci) {
          for (int c = 0; c < g.outC; ++c) dst[static_cast<long>(c) * g.inC + ci] = src[static_cast<long>(ci) * g.outC + c];
        }
      }
    }
    conv2dForwardTaps(t, dy, turned.data(), nullptr, 0, dx);
    return;
  }
  const int kdim = g.filterH * g.filterW * g.inC;
  const int co = g.outC;
  // dcols[P x K] = dy[P x Co] * W^T, W^T[co][k] = w[k * Co + co].
  const std::vector<float> wtPacked = packWholeB(Strided{w, 1, co}, co, kdim);
  const long rowsPerImage = static_cast<long>(g.outH) * g.outW;
  const long imageSize = static_cast<long>(g.inH) * g.inW * g.inC;
  const int per = imagesPerUnit(g);
  const int units = (g.batch + per - 1) / per;
  const double macs = static_cast<double>(g.batch) * rowsPerImage * kdim * co;
  parallelFor(units, [&](int unit) {
    const int b0 = unit * per;
    const int b1 = std::min(g.batch, b0 + per);
    std::memset(dx + b0 * imageSize, 0, sizeof(float) * imageSize * (b1 - b0));
    float* dcols = Scratch::grow(scratch.cols, static_cast<size_t>(MC) * kdim);
    const long last = b1 * rowsPerImage;
    for (long r0 = b0 * rowsPerImage; r0 < last; r0 += MC) {
      const int rows = static_cast<int>(std::min<long>(MC, last - r0));
      gemmPackedB(rows, kdim, co, Strided{dy + r0 * co, co, 1}, wtPacked.data(), dcols, kdim, false);
      // col2im: scatter-add each row's K values back onto the input positions it came from.
      for (int r = 0; r < rows; ++r) {
        const Window win = windowOf(g, r0 + r);
        const float* s = dcols + static_cast<long>(r) * kdim;
        for (int kh = 0; kh < g.filterH; ++kh) {
          const int ih = win.ih0 + kh * g.dilationH;
          for (int kw = 0; kw < g.filterW; ++kw, s += g.inC) {
            const int iw = win.iw0 + kw * g.dilationW;
            if (ih < 0 || ih >= g.inH || iw < 0 || iw >= g.inW) continue;
            float* d = dx + ((win.b * g.inH + ih) * g.inW + iw) * g.inC;
            for (int c = 0; c < g.inC; ++c) d[c] += s[c];
          }
        }
      }
    }
  }, macs);
}

void conv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int taps = g.filterH * g.filterW;
  const int kdim = taps * g.inC;
  const int co = g.outC;
  const long wsize = static_cast<long>(kdim) * co;
  const long rowsPerImage = static_cast<long>(g.outH) * g.outW;
  // Without im2col where the set has a DepthKernel and a tile's MR filter rows fit in one tap's
  // channels: they are then MR consecutive channels of x at each output row (a table of pointers per
  // tap). A tile at the end of a tap's channels reads up to MR - 1 values past them: x's last position
  // reads a copy followed by zeros instead, taps outside x a run of zeros.
  const bool inPlace = active->depth != nullptr && g.inC >= active->mr;
  const float* lastPosition = x + (static_cast<long>(g.batch) * g.inH * g.inW - 1) * g.inC;
  std::vector<float> tail;  // x's last position followed by MR zeros, read by every group
  if (inPlace) {
    tail.assign(lastPosition, lastPosition + g.inC);
    tail.resize(static_cast<size_t>(g.inC) + active->mr, 0.0f);
  }
  // A fixed number of batch groups (not one per thread), each summed on its own and then added in
  // group order: the result is the same with any number of threads.
  const int groups = std::max(1, std::min(g.batch, 8));
  std::vector<float> partial(static_cast<size_t>(groups) * wsize);
  const double macs = static_cast<double>(g.batch) * rowsPerImage * kdim * co;
  parallelFor(groups, [&](int group) {
    const long b0 = static_cast<long>(g.batch) * group / groups;
    const long b1 = static_cast<long>(g.batch) * (group + 1) / groups;
    float* acc = partial.data() + group * wsize;
    const int KC = active->kc, NR = active->nr, MR = active->mr;
    const int nPanels = panels(co, NR);
    float* bPacked = Scratch::grow(scratch.b, static_cast<size_t>(nPanels) * NR * KC);
    float* cols = inPlace ? nullptr : Scratch::grow(scratch.cols, static_cast<size_t>(KC) * kdim);
    const float** table = inPlace ? scratch.tableOf(static_cast<size_t>(taps) * KC) : nullptr;
    const float* zero = inPlace ? scratch.zerosOf(static_cast<size_t>(g.inC) + MR) : nullptr;
    const long last = b1 * rowsPerImage;
    bool first = true;
    for (long r0 = b0 * rowsPerImage; r0 < last; r0 += KC) {
      const int rows = static_cast<int>(std::min<long>(KC, last - r0));
      // dW[K x Co] += A[K x rows] * dy[rows x Co], A = the block's im2col rows transposed.
      packB(Strided{dy + r0 * co, co, 1}, 0, rows, co, bPacked);
      if (!inPlace) {
        im2col(g, x, r0, rows, cols);
        gemmPackedB(kdim, co, rows, Strided{cols, 1, kdim}, bPacked, acc, co, !first);
        first = false;
        continue;
      }
      for (int p = 0; p < rows; ++p) {
        forEachTap(g, x, r0 + p, [&](int t, const float* at) {
          table[static_cast<long>(t) * KC + p] = at == nullptr ? zero : at == lastPosition ? tail.data() : at;
        });
      }
      // Panel by panel: dy's panel stays in L1 while every tile of the filter passes over it.
      for (int jp = 0; jp < nPanels; ++jp) {
        for (int t = 0; t < taps; ++t) {
          for (int c0 = 0; c0 < g.inC; c0 += MR) {
            active->depth(rows, table + static_cast<long>(t) * KC, c0, bPacked + static_cast<size_t>(jp) * rows * NR,
                          acc + (static_cast<long>(t) * g.inC + c0) * co + jp * NR, co, !first, std::min(MR, g.inC - c0),
                          std::min(NR, co - jp * NR));
          }
        }
      }
      first = false;
    }
    if (first) std::fill(acc, acc + wsize, 0.0f);
  }, macs);
  parallelFor(groups, [&](int part) {
    const long i0 = wsize * part / groups;
    const long i1 = wsize * (part + 1) / groups;
    for (long i = i0; i < i1; ++i) {
      float s = partial[i];
      for (int gi = 1; gi < groups; ++gi) s += partial[gi * wsize + i];
      dw[i] = s;
    }
  }, static_cast<double>(wsize) * groups);
}

namespace {

/** First strict maximum above -Infinity of the `n` cells (NaN never wins); -1 if none. */
long firstMax(const float* x, const long* cells, int n, int c) {
  float best = -std::numeric_limits<float>::infinity();
  long at = -1;
  for (int i = 0; i < n; ++i) {
    const float v = x[cells[i] + c];
    if (v > best) {
      best = v;
      at = cells[i] + c;
    }
  }
  return at;
}

/**
 * One full 2x2 window (cells p00, p01 = p00 + c, p10, p11 = p10 + c) over `channels`: each of the four
 * cells gets dy or 0, so dx needs no clearing. The instruction set's vector version where it has one
 * (the compiler does not vectorise the scalar loop: measured 2.9 GB/s for 64x28x28x48, branch-bound);
 * a window whose maximum is not above -Infinity (all -Infinity or NaN) takes the sequential rule.
 */
void window2x2(const float* x, const float* dy, float* dx, long p00, long p10, long stepC, int channels) {
  const float* a = x + p00;
  const float* b = x + p00 + stepC;
  const float* c = x + p10;
  const float* d = x + p10 + stepC;
  float* da = dx + p00;
  float* db = dx + p00 + stepC;
  float* dc = dx + p10;
  float* dd = dx + p10 + stepC;
  const auto vector = active->maxPoolGrad2x2;
  const int special = vector != nullptr ? vector(a, b, c, d, dy, da, db, dc, dd, channels) : maxPoolGrad2x2Scalar(a, b, c, d, dy, da, db, dc, dd, channels);
  if (special == 0) return;
  const long cells[4] = {p00, p00 + stepC, p10, p10 + stepC};
  for (int k = 0; k < channels; ++k) {
    for (long cell : cells) dx[cell + k] = 0.0f;
    const long at = firstMax(x, cells, 4, k);
    if (at >= 0) dx[at] = dy[k];
  }
}

}  // namespace

void maxPoolGrad(int batch, int inH, int inW, int channels, int outH, int outW, int windowH, int windowW, const float* x, const float* dy,
                 float* dx) {
  const long rowStride = static_cast<long>(inW) * channels;
  const long imageSize = static_cast<long>(inH) * rowStride;
  const bool fullWindows = windowH * outH <= inH && windowW * outW <= inW;
  const double work = static_cast<double>(batch) * imageSize;
  parallelFor(batch, [&](int b) {
    float* image = dx + b * imageSize;
    if (windowH == 2 && windowW == 2 && fullWindows) {
      // Every cell of a window row pair is written; rows and columns past the last window get zeros.
      for (int r = 0; r < outH; ++r) {
        const long row0 = b * imageSize + 2L * r * rowStride;
        for (int q = 0; q < outW; ++q) {
          const long d0 = ((static_cast<long>(b) * outH + r) * outW + q) * channels;
          window2x2(x, dy + d0, dx, row0 + 2L * q * channels, row0 + rowStride + 2L * q * channels, channels, channels);
        }
        for (long i = 2L * outW * channels; i < rowStride; ++i) dx[row0 + i] = dx[row0 + rowStride + i] = 0.0f;
      }
      std::memset(image + 2L * outH * rowStride, 0, sizeof(float) * (inH - 2L * outH) * rowStride);
      return;
    }
    std::memset(image, 0, sizeof(float) * imageSize);
    std::vector<long> cells(static_cast<size_t>(windowH) * windowW);
    for (int r = 0; r < outH; ++r) {
      for (int q = 0; q < outW; ++q) {
        const long d0 = ((static_cast<long>(b) * outH + r) * outW + q) * channels;
        int n = 0;
        for (int i = 0; i < windowH; ++i) {
          for (int j = 0; j < windowW; ++j) {
            const int ih = windowH * r + i;
            const int iw = windowW * q + j;
            if (ih < inH && iw < inW) cells[n++] = b * imageSize + ih * rowStride + static_cast<long>(iw) * channels;
          }
        }
        for (int c = 0; c < channels; ++c) {
          const long at = firstMax(x, cells.data(), n, c);
          if (at >= 0) dx[at] = dy[d0 + c];
        }
      }
    }
  }, work);
}

void matMul(int batch, int m, int n, int k, bool transposeA, bool transposeB, long aBatchStride, long bBatchStride, const float* a,
            const float* b, float* c) {
  // A[m x k] is a[i * k + p], or a[p * m + i] when transposed; B[k x n] likewise: strides, no copies.
  const Strided sa = transposeA ? Strided{nullptr, 1, m} : Strided{nullptr, k, 1};
  const Strided sb = transposeB ? Strided{nullptr, 1, k} : Strided{nullptr, n, 1};
  const int rowBlocks = (m + MC - 1) / MC;
  for (int bi = 0; bi < batch; ++bi) {
    const std::vector<float> bPacked = packWholeB(Strided{b + bi * bBatchStride, sb.rs, sb.cs}, k, n);
    const float* aBase = a + bi * aBatchStride;
    float* cBase = c + static_cast<long>(bi) * m * n;
    parallelFor(rowBlocks, [&](int block) {
      const int i0 = block * MC;
      const int rows = std::min(MC, m - i0);
      const Strided blockA{aBase + i0 * sa.rs, sa.rs, sa.cs};
      gemmPackedB(rows, n, k, blockA, bPacked.data(), cBase + static_cast<long>(i0) * n, n, false);
    }, static_cast<double>(m) * n * k);
  }
}

namespace {

/**
 * out[c] = the sum over r of row r's column c, where `addRow(r, acc)` adds row r into the double
 * accumulators `acc` (and may write elsewhere): a fixed number of row groups (8, or fewer rows), each
 * summed on its own, then added in group order. The rule every column sum shares, so results do not
 * depend on the thread count and `sumRows` and `reluBiasGrad` give the same sums of the same values.
 */
template <class AddRow>
void columnSums(long rows, int cols, float* out, AddRow addRow) {
  const int groups = static_cast<int>(std::max<long>(1, std::min<long>(rows, 8)));
  std::vector<double> partial(static_cast<size_t>(groups) * cols, 0.0);
  parallelFor(groups, [&](int group) {
    const long r0 = rows * group / groups;
    const long r1 = rows * (group + 1) / groups;
    double* acc = partial.data() + static_cast<long>(group) * cols;
    for (long r = r0; r < r1; ++r) addRow(r, acc);
  }, static_cast<double>(rows) * cols);
  for (int c = 0; c < cols; ++c) {
    double total = 0.0;
    for (int gi = 0; gi < groups; ++gi) total += partial[static_cast<long>(gi) * cols + c];
    out[c] = static_cast<float>(total);
  }
}

}  // namespace

void sumRows(const float* x, long rows, int cols, float* out) {
  columnSums(rows, cols, out, [&](long r, double* __restrict acc) {
    const float* row = x + r * cols;
    for (int c = 0; c < cols; ++c) acc[c] += row[c];
  });
}

namespace {

// GCC keeps a comparison that may raise a floating-point exception (y NaN) as a branch unless told
// that exceptions do not trap ("control flow in loop": not vectorised, measured 6 ns a value on random
// signs, 30x `sumRows`). Values are the same either way; Clang does not trap by default.
#if defined(__GNUC__) && !defined(__clang__)
#define DIGITFUSE_NO_TRAPS __attribute__((optimize("no-trapping-math")))
#else
#define DIGITFUSE_NO_TRAPS
#endif

/** One row of `reluBiasGrad` (a function, so the pointers are `__restrict` parameters the vectoriser trusts). */
DIGITFUSE_NO_TRAPS void reluMaskRow(const float* __restrict d, const float* __restrict v, float* __restrict o, double* __restrict acc, int cols) {
  for (int c = 0; c < cols; ++c) {
    // tfjs's ReLU gradient, dy * step(x) (step: 1 above 0, else 0), as one product: same bits.
    const float m = d[c] * (v[c] > 0.0f ? 1.0f : 0.0f);
    o[c] = m;
    acc[c] += m;
  }
}

}  // namespace

void reluBiasGrad(const float* dy, const float* y, long rows, int cols, float* dz, float* dbias) {
  columnSums(rows, cols, dbias, [&](long r, double* acc) { reluMaskRow(dy + r * cols, y + r * cols, dz + r * cols, acc, cols); });
}

int supportedIsas(const char** out, int max) {
  int n = 0;
  for (const char* isa : ISA_ORDER) {
    if (n < max && findSet(isa) != nullptr && cpuSupports(isa)) out[n++] = isa;
  }
  return n;
}

bool setIsa(const char* isa) {
  const MicroKernelSet* set = findSet(isa);
  if (set == nullptr || !cpuSupports(isa)) return false;
  active = set;
  return true;
}

double fmaPeakGflops(double seconds) {
  const int threads = threadCount;
  const auto timed = [&](long iterations) {
    const auto start = std::chrono::steady_clock::now();
    std::atomic<double> flops{0.0};
    // One unit per thread, all at once: the machine's throughput with the kernels' thread count.
    pool().run(threads, threads, [&](int) {
      const double done = active->fmaProbe(iterations);
      double seen = flops.load();
      while (!flops.compare_exchange_weak(seen, seen + done)) {
      }
    });
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::make_pair(flops.load(), elapsed);
  };
  long iterations = 1 << 14;
  while (timed(iterations).second < seconds / 8 && iterations < (1L << 34)) iterations *= 2;
  // Best of several short runs: a neighbour taking a core lowers a run, never raises one.
  double best = 0.0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  do {
    const auto [flops, elapsed] = timed(iterations);
    best = std::max(best, flops / elapsed / 1e9);
  } while (std::chrono::steady_clock::now() < until);
  return best;
}

}  // namespace digitfuse
