// Standalone check of the native kernels without Node (scripts/arm-check.sh builds it for aarch64, runs
// it under qemu, and natively on x86): every entry point the addon calls (kernels.h), on shapes that
// cut the register tiles and span more than one packed block, against a double-precision reference.
//
//   arm_kernels_test [--all-isas] [--isa NAME] [--expect-isa NAME] [--fma-seconds S]
//
// Products pass when |got - exact| <= gamma(n) * sum |terms| (n terms, gamma(n) = (n + 10) u, u = 2^-24:
// the error bound of a float sum of n products in any order, with or without FMA); the max-pool
// gradient and Adam must match their float references bit for bit. Each case runs on 1, 2 and 3 kernel
// threads and the outputs must be bit-identical. Prints the kernel set chosen at load and the FMA
// probe's GFLOP/s; exit 0 only when every case passed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "../src/kernels.h"

namespace {

using digitfuse::ConvGeometry;

constexpr double U = 1.0 / (1 << 24);  // unit roundoff of float32
const int THREADS[] = {1, 2, 3};

/** Deterministic inputs (xorshift64*), the same on every machine. */
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  /** Uniform in [-1, 1). */
  float uniform() {
    s_ ^= s_ >> 12;
    s_ ^= s_ << 25;
    s_ ^= s_ >> 27;
    const uint64_t r = s_ * 0x2545F4914F6CDD1Dull;
    return static_cast<float>(static_cast<double>(r >> 40) / static_cast<double>(1ull << 23) - 1.0);
  }
  std::vector<float> fill(size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = uniform();
    return v;
  }

 private:
  uint64_t s_;
};

int failures = 0;
int cases = 0;
double worstShare = 0.0;  // largest |got - exact| / bound over all product cases
double worstError = 0.0;  // largest |got - exact| / sum |terms| over all product cases

/** The exact value of one output, the sum of the absolute values of its terms, and how many terms. */
struct Exact {
  double value = 0.0;
  double absSum = 0.0;
  long terms = 0;
  void add(double p) {
    value += p;
    absSum += std::fabs(p);
    ++terms;
  }
};

/** Outputs start as NaN so an element the kernel never writes fails the comparison. */
std::vector<float> sentinel(size_t n) { return std::vector<float>(n, std::numeric_limits<float>::quiet_NaN()); }

/**
 * Runs `kernel` into a fresh output of `n` floats on each thread count; true when all runs are bit-identical.
 * `out` gets the first run's result.
 */
bool runThreads(size_t n, const std::function<void(float*)>& kernel, std::vector<float>& out) {
  bool same = true;
  for (int t : THREADS) {
    digitfuse::setThreads(t);
    std::vector<float> y = sentinel(n);
    kernel(y.data());
    if (t == THREADS[0]) {
      out = y;
    } else if (std::memcmp(y.data(), out.data(), n * sizeof(float)) != 0) {
      same = false;
    }
  }
  digitfuse::setThreads(1);
  return same;
}

/** Compares a product-shaped result with its exact values; prints one line; counts a failure. */
void report(const std::string& name, const std::vector<float>& got, const std::vector<Exact>& exact, bool sameAcrossThreads, double extraTerms = 0) {
  ++cases;
  double maxError = 0.0;
  double maxShare = 0.0;
  long bad = 0;
  long firstBad = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    const Exact& e = exact[i];
    const double error = std::fabs(static_cast<double>(got[i]) - e.value);
    const double bound = (static_cast<double>(e.terms) + 10 + extraTerms) * U * e.absSum + 1e-30;
    const double share = error / bound;
    if (!(share <= 1.0)) {  // NaN (an unwritten output) fails too
      ++bad;
      if (firstBad < 0) firstBad = static_cast<long>(i);
    }
    if (share > maxShare || std::isnan(share)) maxShare = share;
    if (e.absSum > 0 && error / e.absSum > maxError) maxError = error / e.absSum;
  }
  const bool ok = bad == 0 && sameAcrossThreads;
  if (!ok) ++failures;
  if (maxShare > worstShare || std::isnan(maxShare)) worstShare = maxShare;
  if (maxError > worstError) worstError = maxError;
  std::printf("  %s %-58s max err %.2e of sum|terms| (%.3f of the bound), threads 1/2/3 %s\n", ok ? "ok  " : "FAIL", name.c_str(), maxError, maxShare,
              sameAcrossThreads ? "bit-identical" : "DIFFER");
  if (firstBad >= 0) {
    std::printf("       %ld outputs outside the bound; first at %ld: got %.9g, exact %.9g\n", bad, firstBad, static_cast<double>(got[firstBad]),
                exact[firstBad].value);
  }
}

/** Compares a result that must equal `want` bit for bit (NaNs included); prints one line. */
void reportExact(const std::string& name, const std::vector<float>& got, const std::vector<float>& want, bool sameAcrossThreads) {
  ++cases;
  long bad = 0;
  long firstBad = -1;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      ++bad;
      if (firstBad < 0) firstBad = static_cast<long>(i);
    }
  }
  const bool ok = bad == 0 && sameAcrossThreads;
  if (!ok) ++failures;
  std::printf("  %s %-58s %s, threads 1/2/3 %s\n", ok ? "ok  " : "FAIL", name.c_str(), bad == 0 ? "bit-exact" : "MISMATCH",
              sameAcrossThreads ? "bit-identical" : "DIFFER");
  if (firstBad >= 0) {
    std::printf("       %ld values differ; first at %ld: got %.9g, want %.9g\n", bad, firstBad, static_cast<double>(got[firstBad]),
                static_cast<double>(want[firstBad]));
  }
}

// ---- convolution ---------------------------------------------------------------------------------

/** A geometry with 'same'-style padding `pad` on every side; output size follows. */
ConvGeometry conv(int batch, int inH, int inW, int inC, int kh, int kw, int outC, int stride, int dilation, int pad) {
  ConvGeometry g{};
  g.batch = batch;
  g.inH = inH;
  g.inW = inW;
  g.inC = inC;
  g.filterH = kh;
  g.filterW = kw;
  g.outC = outC;
  g.strideH = g.strideW = stride;
  g.dilationH = g.dilationW = dilation;
  g.padTop = g.padLeft = inH == 1 ? 0 : pad;
  const int padH = inH == 1 ? 0 : pad;
  g.outH = (inH + 2 * padH - dilation * (kh - 1) - 1) / stride + 1;
  g.outW = (inW + 2 * pad - dilation * (kw - 1) - 1) / stride + 1;
  return g;
}

std::string describe(const ConvGeometry& g) {
  char text[128];
  std::snprintf(text, sizeof(text), "%dx%dx%dx%d k%dx%d s%d d%d p%d -> %dx%dx%d", g.batch, g.inH, g.inW, g.inC, g.filterH, g.filterW, g.strideH,
                g.dilationH, g.padTop, g.outH, g.outW, g.outC);
  return text;
}

size_t inputSize(const ConvGeometry& g) { return static_cast<size_t>(g.batch) * g.inH * g.inW * g.inC; }
size_t outputSize(const ConvGeometry& g) { return static_cast<size_t>(g.batch) * g.outH * g.outW * g.outC; }
size_t filterSize(const ConvGeometry& g) { return static_cast<size_t>(g.filterH) * g.filterW * g.inC * g.outC; }

/** Calls f(b, oh, ow, kh, kw, xIndex without channel, wIndex without ci/co) for every tap inside x. */
template <class F>
void forEachTap(const ConvGeometry& g, F f) {
  for (int b = 0; b < g.batch; ++b) {
    for (int oh = 0; oh < g.outH; ++oh) {
      for (int ow = 0; ow < g.outW; ++ow) {
        for (int kh = 0; kh < g.filterH; ++kh) {
          const int ih = oh * g.strideH - g.padTop + kh * g.dilationH;
          if (ih < 0 || ih >= g.inH) continue;
          for (int kw = 0; kw < g.filterW; ++kw) {
            const int iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
            if (iw < 0 || iw >= g.inW) continue;
            const size_t yi = ((static_cast<size_t>(b) * g.outH + oh) * g.outW + ow) * g.outC;
            const size_t xi = ((static_cast<size_t>(b) * g.inH + ih) * g.inW + iw) * g.inC;
            const size_t wi = (static_cast<size_t>(kh) * g.filterW + kw) * g.inC * g.outC;
            f(yi, xi, wi);
          }
        }
      }
    }
  }
}

void checkConv(const ConvGeometry& g, uint64_t seed) {
  Rng rng(seed);
  const std::vector<float> x = rng.fill(inputSize(g));
  const std::vector<float> w = rng.fill(filterSize(g));
  const std::vector<float> bias = rng.fill(g.outC);
  const std::vector<float> dy = rng.fill(outputSize(g));
  const std::string name = describe(g);

  // Forward, with bias and ReLU (ReLU is 1-Lipschitz: the bound of the sum still holds after it).
  std::vector<Exact> y(outputSize(g));
  forEachTap(g, [&](size_t yi, size_t xi, size_t wi) {
    for (int ci = 0; ci < g.inC; ++ci) {
      for (int co = 0; co < g.outC; ++co) y[yi + co].add(static_cast<double>(x[xi + ci]) * w[wi + static_cast<size_t>(ci) * g.outC + co]);
    }
  });
  std::vector<Exact> yRelu = y;
  for (size_t i = 0; i < y.size(); ++i) {
    yRelu[i].add(bias[i % g.outC]);
    yRelu[i].value = std::max(0.0, yRelu[i].value);
  }
  std::vector<float> got;
  bool same = runThreads(outputSize(g), [&](float* out) { digitfuse::conv2dForward(g, x.data(), w.data(), nullptr, 0, out); }, got);
  report("conv2dForward " + name, got, y, same);
  same = runThreads(outputSize(g), [&](float* out) { digitfuse::conv2dForward(g, x.data(), w.data(), bias.data(), 1, out); }, got);
  report("conv2dForward +bias relu " + name, got, yRelu, same);

  // Input gradient: dx[x] = sum over the taps that read x of dy * w.
  std::vector<Exact> dx(inputSize(g));
  forEachTap(g, [&](size_t yi, size_t xi, size_t wi) {
    for (int ci = 0; ci < g.inC; ++ci) {
      for (int co = 0; co < g.outC; ++co) dx[xi + ci].add(static_cast<double>(dy[yi + co]) * w[wi + static_cast<size_t>(ci) * g.outC + co]);
    }
  });
  same = runThreads(inputSize(g), [&](float* out) { digitfuse::conv2dBackpropInput(g, dy.data(), w.data(), out); }, got);
  report("conv2dBackpropInput " + name, got, dx, same);

  // Filter gradient: dw[kh, kw, ci, co] = sum over the outputs of x * dy. The batch groups (at most 8)
  // are added at the end: a few more additions than terms.
  std::vector<Exact> dw(filterSize(g));
  forEachTap(g, [&](size_t yi, size_t xi, size_t wi) {
    for (int ci = 0; ci < g.inC; ++ci) {
      for (int co = 0; co < g.outC; ++co) dw[wi + static_cast<size_t>(ci) * g.outC + co].add(static_cast<double>(x[xi + ci]) * dy[yi + co]);
    }
  });
  same = runThreads(filterSize(g), [&](float* out) { digitfuse::conv2dBackpropFilter(g, x.data(), dy.data(), out); }, got);
  report("conv2dBackpropFilter " + name, got, dw, same, 8);
}

// ---- matrix product --------------------------------------------------------------------------------

void checkMatMul(int batch, int m, int n, int k, bool ta, bool tb, bool broadcastB, uint64_t seed) {
  Rng rng(seed);
  const std::vector<float> a = rng.fill(static_cast<size_t>(batch) * m * k);
  const std::vector<float> b = rng.fill(static_cast<size_t>(broadcastB ? 1 : batch) * k * n);
  const long aStride = static_cast<long>(m) * k;
  const long bStride = broadcastB ? 0 : static_cast<long>(k) * n;
  std::vector<Exact> c(static_cast<size_t>(batch) * m * n);
  for (int bi = 0; bi < batch; ++bi) {
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        Exact& e = c[(static_cast<size_t>(bi) * m + i) * n + j];
        for (int p = 0; p < k; ++p) {
          const float av = a[bi * aStride + (ta ? static_cast<long>(p) * m + i : static_cast<long>(i) * k + p)];
          const float bv = b[bi * bStride + (tb ? static_cast<long>(j) * k + p : static_cast<long>(p) * n + j)];
          e.add(static_cast<double>(av) * bv);
        }
      }
    }
  }
  std::vector<float> got;
  const bool same = runThreads(c.size(), [&](float* out) { digitfuse::matMul(batch, m, n, k, ta, tb, aStride, bStride, a.data(), b.data(), out); }, got);
  char name[96];
  std::snprintf(name, sizeof(name), "matMul %dx[%dx%d]*[%dx%d]%s%s%s", batch, m, k, k, n, ta ? " A^T" : "", tb ? " B^T" : "", broadcastB ? " B shared" : "");
  report(name, got, c, same);
}

// ---- max-pool gradient --------------------------------------------------------------------------

void checkMaxPoolGrad(int batch, int inH, int inW, int channels, int window, bool ceilOut, uint64_t seed) {
  const int outH = ceilOut ? (inH + window - 1) / window : inH / window;
  const int outW = ceilOut ? (inW + window - 1) / window : inW / window;
  Rng rng(seed);
  // Few distinct values (ties: the first maximum wins), a sprinkle of -Infinity and NaN.
  std::vector<float> x(static_cast<size_t>(batch) * inH * inW * channels);
  for (float& v : x) {
    const float r = rng.uniform();
    v = std::round(r * 3.0f);
    if (r > 0.97f) v = std::numeric_limits<float>::quiet_NaN();
    if (r < -0.95f) v = -std::numeric_limits<float>::infinity();
  }
  const std::vector<float> dy = rng.fill(static_cast<size_t>(batch) * outH * outW * channels);
  std::vector<float> want(x.size(), 0.0f);
  for (int b = 0; b < batch; ++b) {
    for (int r = 0; r < outH; ++r) {
      for (int q = 0; q < outW; ++q) {
        for (int c = 0; c < channels; ++c) {
          float best = -std::numeric_limits<float>::infinity();
          long at = -1;
          for (int i = 0; i < window; ++i) {
            for (int j = 0; j < window; ++j) {
              const int ih = r * window + i, iw = q * window + j;
              if (ih >= inH || iw >= inW) continue;
              const long idx = ((static_cast<long>(b) * inH + ih) * inW + iw) * channels + c;
              if (x[idx] > best) {
                best = x[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) want[at] = dy[((static_cast<long>(b) * outH + r) * outW + q) * channels + c];
        }
      }
    }
  }
  std::vector<float> got;
  const bool same = runThreads(x.size(), [&](float* out) {
    digitfuse::maxPoolGrad(batch, inH, inW, channels, outH, outW, window, window, x.data(), dy.data(), out);
  }, got);
  char name[96];
  std::snprintf(name, sizeof(name), "maxPoolGrad %dx%dx%dx%d window %d -> %dx%d", batch, inH, inW, channels, window, outH, outW);
  reportExact(name, got, want, same);
}

// ---- bias-gradient sums ---------------------------------------------------------------------------

void checkSumRows(long rows, int cols, uint64_t seed) {
  Rng rng(seed);
  const std::vector<float> x = rng.fill(static_cast<size_t>(rows) * cols);
  std::vector<Exact> want(cols);
  for (long r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) want[c].add(x[r * cols + c]);
  }
  std::vector<float> got;
  const bool same = runThreads(cols, [&](float* out) { digitfuse::sumRows(x.data(), rows, cols, out); }, got);
  // Summed in double, rounded once to float: well inside the float bound.
  char name[64];
  std::snprintf(name, sizeof(name), "sumRows %ldx%d", rows, cols);
  report(name, got, want, same);
}

/**
 * The training ReLU's gradient with its bias gradient: dz must be dy * step(y) bit for bit (y at 0,
 * -0, negative and NaN: no step), dbias the same bits as sumRows(dz), both bit-identical over threads.
 */
void checkReluBiasGrad(long rows, int cols, uint64_t seed) {
  Rng rng(seed);
  const size_t n = static_cast<size_t>(rows) * cols;
  const std::vector<float> dy = rng.fill(n);
  std::vector<float> y = rng.fill(n);
  const float special[] = {0.0f, -0.0f, -1.0f, std::numeric_limits<float>::quiet_NaN()};
  for (size_t i = 0; i < n; i += 7) y[i] = special[(i / 7) % 4];
  std::vector<float> want(n + cols);
  for (size_t i = 0; i < n; ++i) want[i] = dy[i] * (y[i] > 0.0f ? 1.0f : 0.0f);
  digitfuse::setThreads(1);
  digitfuse::sumRows(want.data(), rows, cols, want.data() + n);
  std::vector<float> got;
  const bool same = runThreads(n + cols, [&](float* out) { digitfuse::reluBiasGrad(dy.data(), y.data(), rows, cols, out, out + n); }, got);
  char name[64];
  std::snprintf(name, sizeof(name), "reluBiasGrad %ldx%d (dz, dbias)", rows, cols);
  reportExact(name, got, want, same);
}

// ---- Adam -----------------------------------------------------------------------------------------

/**
 * tfjs's Adam, every operation rounded to float32 in its order. `volatile` keeps each product apart
 * from the following add (no FMA contraction, whatever -ffp-contract says).
 */
void adamReference(long n, const float* c, const float* x, const float* g, const float* m, const float* v, float* xo, float* mo, float* vo) {
  for (long i = 0; i < n; ++i) {
    volatile float gm = g[i] * c[1];
    volatile float mb = m[i] * c[0];
    const float mi = mb + gm;
    volatile float gg = g[i] * g[i];
    volatile float gv = gg * c[3];
    volatile float vb = v[i] * c[2];
    const float vi = vb + gv;
    mo[i] = mi;
    vo[i] = vi;
    const float den = std::sqrt(vi / c[5]) + c[6];
    volatile float step = ((mi / c[4]) / den) * c[7];
    xo[i] = step + x[i];
  }
}

void checkAdam(long n, int t, uint64_t seed) {
  Rng rng(seed);
  const float b1 = 0.9f, b2 = 0.999f, lr = 0.001f, eps = 1e-7f;
  const float c[8] = {b1, 1 - b1, b2, 1 - b2, 1 - std::pow(b1, static_cast<float>(t)), 1 - std::pow(b2, static_cast<float>(t)), eps, -lr};
  const std::vector<float> x = rng.fill(n), g = rng.fill(n), m = rng.fill(n);
  std::vector<float> v = rng.fill(n);
  for (float& e : v) e = std::fabs(e) * 1e-2f;
  std::vector<float> want(3 * n), got(3 * n);
  adamReference(n, c, x.data(), g.data(), m.data(), v.data(), want.data(), want.data() + n, want.data() + 2 * n);
  digitfuse::adamUpdate(n, c, x.data(), g.data(), m.data(), v.data(), got.data(), got.data() + n, got.data() + 2 * n);
  char name[64];
  std::snprintf(name, sizeof(name), "adamUpdate n=%ld step %d (x, m, v)", n, t);
  reportExact(name, got, want, true);
}

// ---- the run --------------------------------------------------------------------------------------

void runAll(uint64_t seed) {
  // Convolutions: tiles cut at every edge (Co 1, 5, 17, 33, 48; rows not a multiple of 6 or 12),
  // K = KH*KW*Ci past one packed block (360 > 256 and 128), several batch units and filter groups.
  checkConv(conv(2, 5, 7, 3, 3, 3, 5, 1, 1, 1), seed + 1);
  checkConv(conv(12, 10, 10, 40, 3, 3, 33, 1, 1, 1), seed + 2);
  checkConv(conv(9, 13, 11, 17, 3, 3, 48, 2, 1, 1), seed + 3);
  checkConv(conv(3, 12, 12, 8, 3, 3, 17, 1, 2, 2), seed + 4);
  checkConv(conv(10, 28, 28, 1, 5, 5, 16, 1, 1, 2), seed + 5);
  checkConv(conv(16, 1, 50, 24, 1, 5, 32, 1, 1, 2), seed + 6);  // conv1d (H = KH = 1)
  checkConv(conv(1, 3, 3, 2, 3, 3, 1, 1, 1, 1), seed + 7);
  // Channel counts that take the input gradient as a forward convolution of dy (Ci a multiple of
  // every set's 16 or 32 columns; stride 1), with 'same' and dilated 'valid' padding; the filter
  // gradient's channel tiles cut (64 = 5 x 12 + 4) and x's last position read through its copy.
  checkConv(conv(4, 9, 8, 64, 3, 3, 20, 1, 1, 1), seed + 8);
  checkConv(conv(3, 10, 9, 32, 3, 3, 7, 1, 2, 0), seed + 9);
  checkConv(conv(5, 1, 30, 32, 1, 3, 40, 1, 1, 1), seed + 10);
  // Matrix products: edges, K past a block, M past a row block (96), transposes, a shared B.
  checkMatMul(1, 1, 1, 1, false, false, false, seed + 11);
  checkMatMul(1, 7, 17, 5, false, false, false, seed + 12);
  checkMatMul(1, 13, 33, 300, true, false, false, seed + 13);
  checkMatMul(1, 200, 50, 257, false, true, false, seed + 14);
  checkMatMul(3, 37, 10, 129, true, true, true, seed + 15);
  checkMatMul(2, 100, 65, 64, false, false, false, seed + 16);
  // Max-pool gradients: 2x2 full windows (the vector window on x86), rows and columns past the last
  // window, windows cut by the edge, 3x3 windows.
  checkMaxPoolGrad(8, 28, 28, 40, 2, false, seed + 21);
  checkMaxPoolGrad(3, 9, 7, 19, 2, false, seed + 22);
  checkMaxPoolGrad(3, 9, 7, 5, 2, true, seed + 23);
  checkMaxPoolGrad(2, 10, 11, 6, 3, true, seed + 24);
  checkSumRows(5000, 48, seed + 31);
  checkSumRows(3, 7, seed + 32);
  checkReluBiasGrad(5000, 48, seed + 33);
  checkReluBiasGrad(3, 7, seed + 34);
  checkAdam(1027, 1, seed + 41);
  checkAdam(4099, 37, seed + 42);
}

}  // namespace

int main(int argc, char** argv) {
  bool allIsas = false;
  std::string isa, expectIsa;
  double fmaSeconds = 0.3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--all-isas") {
      allIsas = true;
    } else if (arg == "--isa" && i + 1 < argc) {
      isa = argv[++i];
    } else if (arg == "--expect-isa" && i + 1 < argc) {
      expectIsa = argv[++i];
    } else if (arg == "--fma-seconds" && i + 1 < argc) {
      fmaSeconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--all-isas] [--isa NAME] [--expect-isa NAME] [--fma-seconds S]\n", argv[0]);
      return 2;
    }
  }
#if defined(__aarch64__)
  const char* arch = "aarch64";
#elif defined(__x86_64__)
  const char* arch = "x86-64";
#else
  const char* arch = "other";
#endif
  const char* names[8];
  const int count = digitfuse::supportedIsas(names, 8);
  std::string supported;
  for (int i = 0; i < count; ++i) supported += (i > 0 ? ", " : "") + std::string(names[i]);
  const std::string chosen = digitfuse::kernelIsa();
  std::printf("arm_kernels_test: built for %s; kernel set chosen at load: %s (this CPU and build have: %s)\n", arch, chosen.c_str(), supported.c_str());
  if (!expectIsa.empty() && chosen != expectIsa) {
    std::printf("FAIL: expected the kernel set %s at load, got %s\n", expectIsa.c_str(), chosen.c_str());
    return 1;
  }
  std::vector<std::string> sets;
  if (allIsas) {
    for (int i = 0; i < count; ++i) sets.emplace_back(names[i]);
  } else {
    sets.push_back(isa.empty() ? chosen : isa);
  }
  for (const std::string& set : sets) {
    if (!digitfuse::setIsa(set.c_str())) {
      std::printf("FAIL: kernel set %s is not available (have: %s)\n", set.c_str(), supported.c_str());
      return 1;
    }
    digitfuse::setThreads(1);
    std::printf("kernel set %s: FMA probe %.1f GFLOP/s on one thread (%.2f s)\n", set.c_str(), digitfuse::fmaPeakGflops(fmaSeconds), fmaSeconds);
    runAll(20261202);
  }
  std::printf("%s: %d cases, %d failed; kernel sets %d; max error %.2e of sum|terms| (%.3f of the float bound)\n", failures == 0 ? "PASS" : "FAIL",
              cases, failures, static_cast<int>(sets.size()), worstError, worstShare);
  return failures == 0 ? 0 : 1;
}
