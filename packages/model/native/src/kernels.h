// Native CPU kernels for the wasm backend's training hot spots: convolution forward, its input and
// filter gradients and the max-pool gradient, on several threads, with micro-kernels per instruction
// set (AVX-512, AVX2 + FMA, portable C++; micro.h). The convolutions read their input in place: the
// forward product's rows take each filter tap from x through a table of pointers (no im2col copy, no
// packing of x; bias and ReLU applied as a tile is stored), the input gradient (stride 1, input
// channels a multiple of the tile width) is the forward convolution of dy with the filter turned by
// 180 degrees, the filter gradient reads runs of channels of x per tap; other cases (and compilers
// without vector extensions) take im2col and the blocked matrix product.
// Tensors are NHWC float32 arrays the caller owns (views on the wasm heap); filters [KH,KW,Ci,Co].
#pragma once

#include <cstdint>

namespace digitfuse {

/** Geometry of one 2-D convolution (conv1d is H = KH = 1). */
struct ConvGeometry {
  int batch, inH, inW, inC;
  int filterH, filterW, outC;
  int outH, outW;
  int strideH, strideW, dilationH, dilationW;
  int padTop, padLeft;
};

/** Which micro-kernel set runs: "avx512", "avx2" (with FMA) or "portable" (micro.h). */
const char* kernelIsa();

/** Threads the kernels use (at least 1). */
void setThreads(int threads);
int threads();

/** y = conv(x, w) [+ bias] [then ReLU]. `bias` may be null; activation 0 = linear, 1 = relu. */
void conv2dForward(const ConvGeometry& g, const float* x, const float* w, const float* bias, int activation, float* y);

/** dx = the gradient of conv(x, w) with respect to x, given dy. */
void conv2dBackpropInput(const ConvGeometry& g, const float* dy, const float* w, float* dx);

/**
 * dw = the gradient of conv(x, w) with respect to w, given dy. The sum over the batch runs in a fixed
 * order whatever the number of threads, so results do not depend on it.
 */
void conv2dBackpropFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw);

/**
 * Max-pool gradient for windows that do not overlap (stride = window), no top/left padding (windows cut
 * by the bottom/right edge allowed): each dy goes to the first strict maximum of its window above
 * -Infinity (NaN never wins; a window without one passes no gradient).
 */
void maxPoolGrad(int batch, int inH, int inW, int channels, int outH, int outW, int windowH, int windowW, const float* x, const float* dy,
                 float* dx);

/**
 * c[i] = a[i] * b[i] for each of `batch` products (row-major [m x k] * [k x n], either operand stored
 * transposed); a batch stride of 0 broadcasts that operand.
 */
void matMul(int batch, int m, int n, int k, bool transposeA, bool transposeB, long aBatchStride, long bBatchStride, const float* a,
            const float* b, float* c);

/**
 * out[c] = sum over r of x[r * cols + c] (bias gradients: dy [B,H,W,C] summed to [C]), in double
 * precision, over a fixed number of row groups added in order (independent of the thread count).
 */
void sumRows(const float* x, long rows, int cols, float* out);

/**
 * The gradient of relu(z + bias) given y = relu(z + bias) and dy, both [rows x cols] (cols = channels):
 * dz = dy * (y > 0 ? 1 : 0) (what tfjs's Relu gradient computes, bit for bit; y NaN counts as not above
 * 0) and dbias[c] = the sum of column c of dz, summed as `sumRows` sums (the same bits as sumRows(dz)).
 * One pass over dy and y. dz may not alias dy or y.
 */
void reluBiasGrad(const float* dy, const float* y, long rows, int cols, float* dz, float* dbias);

/**
 * Adam's update of `n` values: m' = m b1 + g (1 - b1), v' = v b2 + g^2 (1 - b2), x' = x - lr (m' / (1 - b1^t))
 * / (sqrt(v' / (1 - b2^t)) + eps), each operation rounded to float32 in the order of tfjs's Adam (its
 * results bit for bit). `c`: b1, 1 - b1, b2, 1 - b2, 1 - b1^t, 1 - b2^t, eps, -lr. Outputs may not alias inputs.
 */
void adamUpdate(long n, const float* c, const float* x, const float* g, const float* m, const float* v, float* xo, float* mo, float* vo);

/** The instruction sets this CPU and build can run, best first, into `out` (at most `max`); returns how many. */
int supportedIsas(const char** out, int max);

/**
 * Makes every later kernel call use the micro-kernels of `isa` ("avx512", "avx2", "portable"); false
 * (and nothing changed) when the name is unknown or the CPU lacks it. Not while a kernel runs.
 */
bool setIsa(const char* isa);

/**
 * The machine's FMA throughput in GFLOP/s (one FMA = 2) for the current instruction set and thread
 * count: register-only FMA chains on every kernel thread at once, best of repeated runs over about
 * `seconds`.
 */
double fmaPeakGflops(double seconds);

}  // namespace digitfuse
