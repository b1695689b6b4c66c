// Node-API binding of the native kernels. Every function takes Float32Array views (on the wasm heap,
// so nothing is copied) and an Int32Array of sizes, checks them, and runs synchronously.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "kernels.h"

namespace {

bool failed(napi_env env, napi_status status, const char* what) {
  if (status == napi_ok) return false;
  napi_throw_error(env, "DIGITFUSE_NATIVE", what);
  return true;
}

/** Argument `index` as a Float32Array of at least `need` elements (nullptr + exception otherwise). */
float* floats(napi_env env, napi_value* argv, int index, int64_t need, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, argv[index], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_float32_array) {
    napi_throw_type_error(env, "DIGITFUSE_NATIVE", (std::string(name) + " must be a Float32Array").c_str());
    return nullptr;
  }
  if (static_cast<int64_t>(length) < need) {
    napi_throw_range_error(env, "DIGITFUSE_NATIVE",
                           (std::string(name) + " has " + std::to_string(length) + " elements, expected " + std::to_string(need)).c_str());
    return nullptr;
  }
  return static_cast<float*>(data);
}

/** Argument `index` as an Int32Array of exactly `count` values. */
const int32_t* ints(napi_env env, napi_value* argv, int index, size_t count, const char* name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, argv[index], &type, &length, &data, &buffer, &offset) != napi_ok || type != napi_int32_array ||
      length != count) {
    napi_throw_type_error(env, "DIGITFUSE_NATIVE", (std::string(name) + " must be an Int32Array of " + std::to_string(count) + " values").c_str());
    return nullptr;
  }
  return static_cast<const int32_t*>(data);
}

bool args(napi_env env, napi_callback_info info, size_t expected, napi_value* argv) {
  size_t argc = expected;
  if (failed(env, napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "cannot read arguments")) return false;
  if (argc != expected) {
    napi_throw_type_error(env, "DIGITFUSE_NATIVE", ("expected " + std::to_string(expected) + " arguments").c_str());
    return false;
  }
  return true;
}

constexpr size_t GEOMETRY_SIZE = 15;

/** [batch, inH, inW, inC, filterH, filterW, outC, outH, outW, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
bool geometry(napi_env env, napi_value* argv, int index, digitfuse::ConvGeometry& g) {
  const int32_t* d = ints(env, argv, index, GEOMETRY_SIZE, "geometry");
  if (d == nullptr) return false;
  g = digitfuse::ConvGeometry{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  for (size_t i = 0; i < 13; ++i) {
    if (d[i] <= 0) {
      napi_throw_range_error(env, "DIGITFUSE_NATIVE", ("geometry value " + std::to_string(i) + " must be positive").c_str());
      return false;
    }
  }
  return true;
}

int64_t inputSize(const digitfuse::ConvGeometry& g) { return int64_t{g.batch} * g.inH * g.inW * g.inC; }
int64_t outputSize(const digitfuse::ConvGeometry& g) { return int64_t{g.batch} * g.outH * g.outW * g.outC; }
int64_t filterSize(const digitfuse::ConvGeometry& g) { return int64_t{g.filterH} * g.filterW * g.inC * g.outC; }

// conv2d(x, w, bias | null, y, geometry, activation)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  digitfuse::ConvGeometry g;
  if (!args(env, info, 6, argv) || !geometry(env, argv, 4, g)) return nullptr;
  const float* x = floats(env, argv, 0, inputSize(g), "x");
  const float* w = x ? floats(env, argv, 1, filterSize(g), "filter") : nullptr;
  napi_valuetype biasType;
  napi_typeof(env, argv[2], &biasType);
  const float* bias = nullptr;
  if (w && biasType != napi_null && biasType != napi_undefined) {
    bias = floats(env, argv, 2, g.outC, "bias");
    if (bias == nullptr) return nullptr;
  }
  float* y = w ? floats(env, argv, 3, outputSize(g), "y") : nullptr;
  int32_t activation = 0;
  if (y == nullptr || failed(env, napi_get_value_int32(env, argv[5], &activation), "activation must be a number")) return nullptr;
  digitfuse::conv2dForward(g, x, w, bias, activation, y);
  return nullptr;
}

// conv2dBackpropInput(dy, w, dx, geometry)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  digitfuse::ConvGeometry g;
  if (!args(env, info, 4, argv) || !geometry(env, argv, 3, g)) return nullptr;
  const float* dy = floats(env, argv, 0, outputSize(g), "dy");
  const float* w = dy ? floats(env, argv, 1, filterSize(g), "filter") : nullptr;
  float* dx = w ? floats(env, argv, 2, inputSize(g), "dx") : nullptr;
  if (dx != nullptr) digitfuse::conv2dBackpropInput(g, dy, w, dx);
  return nullptr;
}

// conv2dBackpropFilter(x, dy, dw, geometry)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  digitfuse::ConvGeometry g;
  if (!args(env, info, 4, argv) || !geometry(env, argv, 3, g)) return nullptr;
  const float* x = floats(env, argv, 0, inputSize(g), "x");
  const float* dy = x ? floats(env, argv, 1, outputSize(g), "dy") : nullptr;
  float* dw = dy ? floats(env, argv, 2, filterSize(g), "dw") : nullptr;
  if (dw != nullptr) digitfuse::conv2dBackpropFilter(g, x, dy, dw);
  return nullptr;
}

// maxPoolGrad(x, dy, dx, [batch, inH, inW, channels, outH, outW, windowH, windowW])
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return nullptr;
  const int32_t* d = ints(env, argv, 3, 8, "sizes");
  if (d == nullptr) return nullptr;
  const int64_t in = int64_t{d[0]} * d[1] * d[2] * d[3];
  const int64_t out = int64_t{d[0]} * d[4] * d[5] * d[3];
  const float* x = floats(env, argv, 0, in, "x");
  const float* dy = x ? floats(env, argv, 1, out, "dy") : nullptr;
  float* dx = dy ? floats(env, argv, 2, in, "dx") : nullptr;
  if (dx != nullptr) digitfuse::maxPoolGrad(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], x, dy, dx);
  return nullptr;
}

// matMul(a, b, c, [batch, m, n, k, transposeA, transposeB, aBatches, bBatches])
napi_value MatMul(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args(env, info, 4, argv)) return nullptr;
  const int32_t* d = ints(env, argv, 3, 8, "sizes");
  if (d == nullptr) return nullptr;
  const int batch = d[0], m = d[1], n = d[2], k = d[3], aBatches = d[6], bBatches = d[7];
  if (batch <= 0 || m <= 0 || n <= 0 || k <= 0 || (aBatches != 1 && aBatches != batch) || (bBatches != 1 && bBatches != batch)) {
    napi_throw_range_error(env, "DIGITFUSE_NATIVE", "sizes must be positive, with operand batches of 1 or batch");
    return nullptr;
  }
  const float* a = floats(env, argv, 0, int64_t{aBatches} * m * k, "a");
  const float* b = a ? floats(env, argv, 1, int64_t{bBatches} * k * n, "b") : nullptr;
  float* c = b ? floats(env, argv, 2, int64_t{batch} * m * n, "c") : nullptr;
  if (c != nullptr) {
    digitfuse::matMul(batch, m, n, k, d[4] != 0, d[5] != 0, aBatches == 1 ? 0 : long{m} * k, bBatches == 1 ? 0 : long{k} * n, a, b, c);
  }
  return nullptr;
}

// sumRows(x, out, [rows, cols])
napi_value SumRows(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv)) return nullptr;
  const int32_t* d = ints(env, argv, 2, 2, "sizes");
  if (d == nullptr) return nullptr;
  if (d[0] < 0 || d[1] <= 0) {
    napi_throw_range_error(env, "DIGITFUSE_NATIVE", "sizes must be rows >= 0 and cols > 0");
    return nullptr;
  }
  const float* x = floats(env, argv, 0, int64_t{d[0]} * d[1], "x");
  float* out = x ? floats(env, argv, 1, d[1], "out") : nullptr;
  if (out != nullptr) digitfuse::sumRows(x, d[0], d[1], out);
  return nullptr;
}

// setThreads(n) -> threads in use
napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return nullptr;
  int32_t n = 1;
  if (failed(env, napi_get_value_int32(env, argv[0], &n), "threads must be a number")) return nullptr;
  digitfuse::setThreads(n);
  napi_value result;
  napi_create_int32(env, digitfuse::threads(), &result);
  return result;
}

// info() -> { isa, threads }
napi_value Info(napi_env env, napi_callback_info) {
  napi_value result, isa, threads;
  napi_create_object(env, &result);
  napi_create_string_utf8(env, digitfuse::kernelIsa(), NAPI_AUTO_LENGTH, &isa);
  napi_create_int32(env, digitfuse::threads(), &threads);
  napi_set_named_property(env, result, "isa", isa);
  napi_set_named_property(env, result, "threads", threads);
  return result;
}

// isas() -> the instruction sets this CPU and build can run, best first
napi_value Isas(napi_env env, napi_callback_info) {
  const char* names[8];
  const int n = digitfuse::supportedIsas(names, 8);
  napi_value result;
  napi_create_array_with_length(env, n, &result);
  for (int i = 0; i < n; ++i) {
    napi_value name;
    napi_create_string_utf8(env, names[i], NAPI_AUTO_LENGTH, &name);
    napi_set_element(env, result, i, name);
  }
  return result;
}

// setIsa(name) -> name in use; throws (one line naming the value and the choices) otherwise
napi_value SetIsa(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return nullptr;
  char name[32] = {0};
  size_t length = 0;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &length) != napi_ok) {
    napi_throw_type_error(env, "DIGITFUSE_NATIVE", "isa must be a string");
    return nullptr;
  }
  if (!digitfuse::setIsa(name)) {
    const char* names[8];
    const int n = digitfuse::supportedIsas(names, 8);
    std::string choices;
    for (int i = 0; i < n; ++i) choices += (i > 0 ? ", " : "") + std::string(names[i]);
    napi_throw_range_error(env, "DIGITFUSE_NATIVE", ("isa '" + std::string(name) + "' is not available on this CPU (it has " + choices + ")").c_str());
    return nullptr;
  }
  napi_value result;
  napi_create_string_utf8(env, digitfuse::kernelIsa(), NAPI_AUTO_LENGTH, &result);
  return result;
}

// fmaPeak(seconds) -> GFLOP/s of register-only FMAs with the current instruction set and threads
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv)) return nullptr;
  double seconds = 0;
  if (failed(env, napi_get_value_double(env, argv[0], &seconds), "seconds must be a number")) return nullptr;
  if (!(seconds > 0 && seconds <= 10)) {
    napi_throw_range_error(env, "DIGITFUSE_NATIVE", "seconds must be in (0, 10]");
    return nullptr;
  }
  napi_value result;
  napi_create_double(env, digitfuse::fmaPeakGflops(seconds), &result);
  return result;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"conv2d", nullptr, Conv2d, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropInput", nullptr, Conv2dBackpropInput, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"conv2dBackpropFilter", nullptr, Conv2dBackpropFilter, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"matMul", nullptr, MatMul, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"sumRows", nullptr, SumRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"isas", nullptr, Isas, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fmaPeak", nullptr, FmaPeak, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
