// Node-API binding of the native kernels. Every function takes Float32Array views (on the wasm heap,
// so nothing is copied) and an Int32Array of sizes, checks them, and runs synchronously.
#include <node_api.h>

#include <cstdint>
#include <string>

#include "kernels.h"

namespace {

using Thrower = napi_status (*)(napi_env, const char*, const char*);

/** The napi typed-array type of a C++ element type. */
template <typename T>
struct TypedArrayOf;
template <>
struct TypedArrayOf<float> {
  static constexpr napi_typedarray_type type = napi_float32_array;
};
template <>
struct TypedArrayOf<const int32_t> {
  static constexpr napi_typedarray_type type = napi_int32_array;
};

constexpr size_t GEOMETRY_SIZE = 15;

/**
 * The arguments of one call, each checked where it is taken with a message naming it. The first
 * failure throws its exception; from then on every getter returns nullptr (or false) without looking,
 * so a function takes all it needs and runs its kernel only if `ok()`. An empty typed array may have
 * no data pointer: the call then does nothing either (with no exception).
 */
class Args {
 public:
  /** The most arguments a function takes (the size of `argv_`). */
  static constexpr size_t MAX_ARGS = 9;

  Args(napi_env env, napi_callback_info info, size_t count) : env_(env) {
    size_t argc = count;
    if (count > MAX_ARGS) {
      fail(napi_throw_error, "binding takes more arguments than Args::MAX_ARGS");
    } else if (napi_get_cb_info(env, info, &argc, argv_, nullptr, nullptr) != napi_ok) {
      fail(napi_throw_error, "cannot read arguments");
    } else if (argc != count) {
      fail(napi_throw_type_error, "expected " + std::to_string(count) + " arguments");
    }
  }

  bool ok() const { return ok_; }

  /** False, with a RangeError `message` thrown, unless `condition` holds. */
  bool check(bool condition, const char* message) { return ok_ && (condition || fail(napi_throw_range_error, message)); }

  /** Argument `index` as a Float32Array of at least `need` elements. */
  float* floats(size_t index, int64_t need, const char* name) {
    float* data = nullptr;
    size_t length = 0;
    if (!ok_) return nullptr;
    if (!typedArray(index, data, length)) {
      fail(napi_throw_type_error, std::string(name) + " must be a Float32Array");
      return nullptr;
    }
    if (static_cast<int64_t>(length) < need) {
      fail(napi_throw_range_error, std::string(name) + " has " + std::to_string(length) + " elements, expected " + std::to_string(need));
      return nullptr;
    }
    return usable(data);
  }

  /** Like `floats`, but null or undefined is no array (nullptr) rather than a failure. */
  const float* optionalFloats(size_t index, int64_t need, const char* name) {
    napi_valuetype type = napi_undefined;
    if (!ok_ || napi_typeof(env_, argv_[index], &type) != napi_ok || type == napi_null || type == napi_undefined) return nullptr;
    return floats(index, need, name);
  }

  /** Argument `index` as an Int32Array of exactly `count` values. */
  const int32_t* ints(size_t index, size_t count, const char* name) {
    const int32_t* data = nullptr;
    size_t length = 0;
    if (!ok_) return nullptr;
    if (!typedArray(index, data, length) || length != count) {
      fail(napi_throw_type_error, std::string(name) + " must be an Int32Array of " + std::to_string(count) + " values");
      return nullptr;
    }
    return usable(data);
  }

  /** Argument `index` as a number (0 and a plain Error `message` otherwise). */
  int32_t int32(size_t index, const char* message) {
    int32_t value = 0;
    if (ok_ && napi_get_value_int32(env_, argv_[index], &value) != napi_ok) fail(napi_throw_error, message);
    return value;
  }

  /** Argument `index` as a double (0 and a TypeError `message` otherwise). */
  double number(size_t index, const char* message) {
    double value = 0;
    if (ok_ && napi_get_value_double(env_, argv_[index], &value) != napi_ok) fail(napi_throw_type_error, message);
    return value;
  }

  /** Argument `index` as a string of at most 31 bytes ("" and a TypeError `message` otherwise). */
  std::string string(size_t index, const char* message) {
    char text[32] = {0};
    size_t length = 0;
    if (ok_ && napi_get_value_string_utf8(env_, argv_[index], text, sizeof(text), &length) != napi_ok) fail(napi_throw_type_error, message);
    return std::string(text, length);
  }

  /** [batch, inH, inW, inC, filterH, filterW, outC, outH, outW, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
  bool geometry(size_t index, digitfuse::ConvGeometry& g) {
    const int32_t* d = ints(index, GEOMETRY_SIZE, "geometry");
    if (d == nullptr) return false;
    g = digitfuse::ConvGeometry{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
    for (size_t i = 0; i < 13; ++i) {
      if (d[i] <= 0) return fail(napi_throw_range_error, "geometry value " + std::to_string(i) + " must be positive");
    }
    return true;
  }

 private:
  /** Argument `index` as a typed array of T: `length` elements at `data`; false if it is not one (the caller says why). */
  template <typename T>
  bool typedArray(size_t index, T*& data, size_t& length) {
    napi_typedarray_type type;
    void* raw = nullptr;
    napi_value buffer;
    size_t offset = 0;
    if (napi_get_typedarray_info(env_, argv_[index], &type, &length, &raw, &buffer, &offset) != napi_ok || type != TypedArrayOf<T>::type) return false;
    data = static_cast<T*>(raw);
    return true;
  }

  /** `data`, after which nothing runs if it is null (an empty array may have no data pointer). */
  template <typename T>
  T* usable(T* data) {
    if (data == nullptr) ok_ = false;
    return data;
  }

  bool fail(Thrower thrower, const std::string& message) {
    ok_ = false;
    thrower(env_, "DIGITFUSE_NATIVE", message.c_str());
    return false;
  }

  napi_env env_;
  napi_value argv_[MAX_ARGS] = {};
  bool ok_ = true;
};

int64_t inputSize(const digitfuse::ConvGeometry& g) { return int64_t{g.batch} * g.inH * g.inW * g.inC; }
int64_t outputSize(const digitfuse::ConvGeometry& g) { return int64_t{g.batch} * g.outH * g.outW * g.outC; }
int64_t filterSize(const digitfuse::ConvGeometry& g) { return int64_t{g.filterH} * g.filterW * g.inC * g.outC; }

// conv2d(x, w, bias | null, y, geometry, activation)
napi_value Conv2d(napi_env env, napi_callback_info info) {
  Args args(env, info, 6);
  digitfuse::ConvGeometry g;
  if (!args.geometry(4, g)) return nullptr;
  const float* x = args.floats(0, inputSize(g), "x");
  const float* w = args.floats(1, filterSize(g), "filter");
  const float* bias = args.optionalFloats(2, g.outC, "bias");
  float* y = args.floats(3, outputSize(g), "y");
  const int32_t activation = args.int32(5, "activation must be a number");
  if (args.ok()) digitfuse::conv2dForward(g, x, w, bias, activation, y);
  return nullptr;
}

/** An array argument of a convolution gradient: its name in messages and its size from the geometry. */
struct Operand {
  const char* name;
  int64_t (*size)(const digitfuse::ConvGeometry&);
};

/** (a, b, out, geometry) -> kernel(geometry, a, b, out): both convolution gradients. */
napi_value convGradient(napi_env env, napi_callback_info info, Operand a, Operand b, Operand out,
                        void (*kernel)(const digitfuse::ConvGeometry&, const float*, const float*, float*)) {
  Args args(env, info, 4);
  digitfuse::ConvGeometry g;
  if (!args.geometry(3, g)) return nullptr;
  const float* first = args.floats(0, a.size(g), a.name);
  const float* second = args.floats(1, b.size(g), b.name);
  float* result = args.floats(2, out.size(g), out.name);
  if (args.ok()) kernel(g, first, second, result);
  return nullptr;
}

// conv2dBackpropInput(dy, w, dx, geometry)
napi_value Conv2dBackpropInput(napi_env env, napi_callback_info info) {
  return convGradient(env, info, {"dy", outputSize}, {"filter", filterSize}, {"dx", inputSize}, digitfuse::conv2dBackpropInput);
}

// conv2dBackpropFilter(x, dy, dw, geometry)
napi_value Conv2dBackpropFilter(napi_env env, napi_callback_info info) {
  return convGradient(env, info, {"x", inputSize}, {"dy", outputSize}, {"dw", filterSize}, digitfuse::conv2dBackpropFilter);
}

// maxPoolGrad(x, dy, dx, [batch, inH, inW, channels, outH, outW, windowH, windowW])
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, 4);
  const int32_t* d = args.ints(3, 8, "sizes");
  if (d == nullptr) return nullptr;
  const int64_t in = int64_t{d[0]} * d[1] * d[2] * d[3];
  const int64_t out = int64_t{d[0]} * d[4] * d[5] * d[3];
  const float* x = args.floats(0, in, "x");
  const float* dy = args.floats(1, out, "dy");
  float* dx = args.floats(2, in, "dx");
  if (args.ok()) digitfuse::maxPoolGrad(d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], x, dy, dx);
  return nullptr;
}

// matMul(a, b, c, [batch, m, n, k, transposeA, transposeB, aBatches, bBatches])
napi_value MatMul(napi_env env, napi_callback_info info) {
  Args args(env, info, 4);
  const int32_t* d = args.ints(3, 8, "sizes");
  if (d == nullptr) return nullptr;
  const int batch = d[0], m = d[1], n = d[2], k = d[3], aBatches = d[6], bBatches = d[7];
  const bool sized = batch > 0 && m > 0 && n > 0 && k > 0 && (aBatches == 1 || aBatches == batch) && (bBatches == 1 || bBatches == batch);
  if (!args.check(sized, "sizes must be positive, with operand batches of 1 or batch")) return nullptr;
  const float* a = args.floats(0, int64_t{aBatches} * m * k, "a");
  const float* b = args.floats(1, int64_t{bBatches} * k * n, "b");
  float* c = args.floats(2, int64_t{batch} * m * n, "c");
  if (args.ok()) {
    digitfuse::matMul(batch, m, n, k, d[4] != 0, d[5] != 0, aBatches == 1 ? 0 : long{m} * k, bBatches == 1 ? 0 : long{k} * n, a, b, c);
  }
  return nullptr;
}

// sumRows(x, out, [rows, cols])
napi_value SumRows(napi_env env, napi_callback_info info) {
  Args args(env, info, 3);
  const int32_t* d = args.ints(2, 2, "sizes");
  if (d == nullptr || !args.check(d[0] >= 0 && d[1] > 0, "sizes must be rows >= 0 and cols > 0")) return nullptr;
  const float* x = args.floats(0, int64_t{d[0]} * d[1], "x");
  float* out = args.floats(1, d[1], "out");
  if (args.ok()) digitfuse::sumRows(x, d[0], d[1], out);
  return nullptr;
}

// reluBiasGrad(dy, y, dz, dbias, [rows, cols]): see digitfuse::reluBiasGrad
napi_value ReluBiasGrad(napi_env env, napi_callback_info info) {
  Args args(env, info, 5);
  const int32_t* d = args.ints(4, 2, "sizes");
  if (d == nullptr || !args.check(d[0] >= 0 && d[1] > 0, "sizes must be rows >= 0 and cols > 0")) return nullptr;
  const int64_t n = int64_t{d[0]} * d[1];
  const float* dy = args.floats(0, n, "dy");
  const float* y = args.floats(1, n, "y");
  float* dz = args.floats(2, n, "dz");
  float* dbias = args.floats(3, d[1], "dbias");
  if (args.ok()) digitfuse::reluBiasGrad(dy, y, d[0], d[1], dz, dbias);
  return nullptr;
}

// adam(x, g, m, v, xo, mo, vo, constants[8], [n]): see digitfuse::adamUpdate
napi_value Adam(napi_env env, napi_callback_info info) {
  Args args(env, info, 9);
  const int32_t* d = args.ints(8, 1, "sizes");
  if (d == nullptr || !args.check(d[0] >= 0, "sizes must be n >= 0")) return nullptr;
  const int64_t n = d[0];
  const float* x = args.floats(0, n, "x");
  const float* g = args.floats(1, n, "gradient");
  const float* m = args.floats(2, n, "m");
  const float* v = args.floats(3, n, "v");
  float* xo = args.floats(4, n, "x out");
  float* mo = args.floats(5, n, "m out");
  float* vo = args.floats(6, n, "v out");
  const float* c = args.floats(7, 8, "constants");
  if (args.ok() && n > 0) digitfuse::adamUpdate(static_cast<long>(n), c, x, g, m, v, xo, mo, vo);
  return nullptr;
}

// setThreads(n) -> threads in use
napi_value SetThreads(napi_env env, napi_callback_info info) {
  Args args(env, info, 1);
  const int32_t n = args.int32(0, "threads must be a number");
  if (!args.ok()) return nullptr;
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
  Args args(env, info, 1);
  const std::string name = args.string(0, "isa must be a string");
  if (!args.ok()) return nullptr;
  if (!digitfuse::setIsa(name.c_str())) {
    const char* names[8];
    const int n = digitfuse::supportedIsas(names, 8);
    std::string choices;
    for (int i = 0; i < n; ++i) choices += (i > 0 ? ", " : "") + std::string(names[i]);
    napi_throw_range_error(env, "DIGITFUSE_NATIVE", ("isa '" + name + "' is not available on this CPU (it has " + choices + ")").c_str());
    return nullptr;
  }
  napi_value result;
  napi_create_string_utf8(env, digitfuse::kernelIsa(), NAPI_AUTO_LENGTH, &result);
  return result;
}

// fmaPeak(seconds) -> GFLOP/s of register-only FMAs with the current instruction set and threads
napi_value FmaPeak(napi_env env, napi_callback_info info) {
  Args args(env, info, 1);
  const double seconds = args.number(0, "seconds must be a number");
  if (!args.ok()) return nullptr;
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
      {"reluBiasGrad", nullptr, ReluBiasGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adam", nullptr, Adam, nullptr, nullptr, nullptr, napi_default, nullptr},
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
