// Which instruction sets the CPU supports, for the micro-kernel choice (micro.h).
#include <cstring>

#include "micro.h"

namespace digitfuse {

bool cpuSupports(const char* isa) {
  if (std::strcmp(isa, "portable") == 0) return true;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
  __builtin_cpu_init();
  if (std::strcmp(isa, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (std::strcmp(isa, "avx512") == 0) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#endif
  return false;
}

}  // namespace digitfuse
