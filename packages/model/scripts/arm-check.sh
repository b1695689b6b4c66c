#!/usr/bin/env bash
# The native kernels on ARM without an ARM machine, in one command (under a minute on 2 cores):
#
#   bash packages/model/scripts/arm-check.sh [OUT_DIR]        (default: /tmp/arm-check)
#
# 1. Cross-compiles every source of binding.gyp for aarch64 with the addon's flags (addon.cc against
#    Node's headers, which are the same for every architecture; nothing is linked into a .node), and
#    checks that the x86 files are stubs there.
# 2. Builds native/test/arm_kernels_test.cc (every kernel the addon calls, on shapes that cut the tiles,
#    against a double-precision reference, bit-identity over 1, 2 and 3 threads) with the kernels for
#    aarch64 and runs it under qemu-aarch64: the set chosen at load must be `portable`.
# 3. Builds the same driver for this machine (x86-64) and runs it for every kernel set the CPU has.
# 4. Disassembles the aarch64 objects: the portable micro-kernel and the pack-free convolution kernels
#    must be NEON (fmla on v registers),
#    Adam's update vectorised and free of fused multiply-adds (its results are tfjs's, bit for bit).
#
# Installs nothing: it names the Debian packages that are missing and stops. NODE_INCLUDE=DIR points at
# Node's headers (the directory with node_api.h) when they are not found beside node.
# Exit code 0 only when every step passed; the summary says PASS / FAIL per step with its numbers.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
NATIVE=$ROOT/packages/model/native
OUT_DIR=${1:-/tmp/arm-check}
# binding.gyp's sources and compiler flags, read from it (a source added there is checked here too);
# the kernels are every source but the addon's Node binding.
gyp() { node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).targets[0][process.argv[2]].join(" "))' "$NATIVE/binding.gyp" "$1"; }
gyp_sources=$(gyp sources) # an assignment, so that set -e stops the script when binding.gyp cannot be read
gyp_cflags=$(gyp cflags_cc)
read -r -a SOURCES <<<"${gyp_sources//src\//}"
KERNEL_SOURCES=()
for src in "${SOURCES[@]}"; do [ "$src" = addon.cc ] || KERNEL_SOURCES+=("$src"); done
# With the flags node-gyp adds on Linux (build/*.target.mk), less -m64.
read -r -a FLAGS <<<"$gyp_cflags -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -fno-omit-frame-pointer -fno-rtti -fno-exceptions"
ADDON_DEFS=(-DNODE_GYP_MODULE_NAME=digitfuse_native -DBUILDING_NODE_EXTENSION -DUSING_UV_SHARED=1 -DUSING_V8_SHARED=1)
SYSROOT=/usr/aarch64-linux-gnu

say() { echo "arm-check: $*" >&2; }
SUMMARY=()
FAILED=0
pass() { SUMMARY+=("PASS  $1"); say "PASS  $1"; }
fail() { SUMMARY+=("FAIL  $1"); say "FAIL  $1"; FAILED=1; }
finish() {
  echo "== arm-check summary ($(date -u +%FT%TZ)) =="
  printf '%s\n' "${SUMMARY[@]}"
  echo "logs and binaries: $OUT_DIR"
  exit "$FAILED"
}

# ---- tools ---------------------------------------------------------------------------------------
missing=()
command -v aarch64-linux-gnu-g++ >/dev/null || missing+=(g++-aarch64-linux-gnu)
command -v aarch64-linux-gnu-objdump >/dev/null || missing+=(binutils-aarch64-linux-gnu)
[ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || missing+=(libc6-arm64-cross)
QEMU=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
[ -n "$QEMU" ] || missing+=("qemu-user (or qemu-user-static)")
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  say "missing tools; install them with: apt-get install -y ${missing[*]}"
  exit 2
fi
NODE_INCLUDE=${NODE_INCLUDE:-}
if [ -z "$NODE_INCLUDE" ]; then
  candidates=()
  if command -v node >/dev/null; then
    candidates+=("$(dirname "$(dirname "$(node -p process.execPath)")")/include/node")
    candidates+=("$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node")
  fi
  candidates+=(/usr/include/node /usr/local/include/node)
  for dir in "${candidates[@]}"; do
    if [ -f "$dir/node_api.h" ]; then
      NODE_INCLUDE=$dir
      break
    fi
  done
fi
if [ -z "$NODE_INCLUDE" ] || [ ! -f "$NODE_INCLUDE/node_api.h" ]; then
  say "Node's headers (node_api.h) not found beside node, in ~/.cache/node-gyp or /usr/include/node:"
  say "install them with: apt-get install -y libnode-dev (or set NODE_INCLUDE=DIR)"
  exit 2
fi
mkdir -p "$OUT_DIR/aarch64" "$OUT_DIR/x86-64"
say "aarch64 compiler: $(aarch64-linux-gnu-g++ --version | head -1); qemu: $("$QEMU" --version | head -1); Node headers: $NODE_INCLUDE"

# ---- 1. every source for aarch64 -------------------------------------------------------------------
compiled=0
warnings=0
for src in "${SOURCES[@]}"; do
  obj=$OUT_DIR/aarch64/${src%.cc}.o
  defs=()
  [ "$src" = addon.cc ] && defs=("${ADDON_DEFS[@]}" -I"$NODE_INCLUDE")
  if aarch64-linux-gnu-g++ "${FLAGS[@]}" "${defs[@]}" -c "$NATIVE/src/$src" -o "$obj" 2>"$obj.log"; then
    compiled=$((compiled + 1))
  else
    say "aarch64-linux-gnu-g++ failed on $src:"
    sed 's/^/    /' "$obj.log" >&2
  fi
  if [ -s "$obj.log" ]; then
    warnings=$((warnings + $(grep -c 'warning:' "$obj.log" || true)))
    sed 's/^/    /' "$obj.log" >&2
  fi
done
if [ "$compiled" = "${#SOURCES[@]}" ]; then
  pass "aarch64 compile: ${compiled}/${#SOURCES[@]} sources with binding.gyp's flags, addon.cc against $NODE_INCLUDE, $warnings warnings"
else
  fail "aarch64 compile: ${compiled}/${#SOURCES[@]} sources compiled (logs above)"
  finish
fi
# The x86 files must define nothing but their stubs on ARM.
stubs_ok=1
for stub in kernels_avx512 kernels_avx2; do
  defined=$(aarch64-linux-gnu-nm -C --defined-only "$OUT_DIR/aarch64/$stub.o" | awk '$2 ~ /^[TtDdBbRr]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }')
  text=$(aarch64-linux-gnu-size -A "$OUT_DIR/aarch64/$stub.o" | awk '$1 == ".text" { print $2 }')
  say "$stub.o on aarch64 defines: $(echo "$defined" | paste -sd ';') (.text $text bytes)"
  if [ -z "$defined" ] || [ "$(echo "$defined" | wc -l)" != 1 ] || [ "${text:-0}" -gt 64 ]; then stubs_ok=0; fi
done
if [ "$stubs_ok" = 1 ]; then
  pass "x86 files are stubs on aarch64 (kernels_avx512.o: avx512Set() only, kernels_avx2.o: avx2MaxPoolGrad2x2() only)"
else
  fail "x86 files are not plain stubs on aarch64 (see the symbols above)"
fi

# ---- 2. the kernel driver under qemu-aarch64 --------------------------------------------------------
build_driver() {  # build_driver COMPILER OBJ_DIR: the driver linked with OBJ_DIR's kernel objects
  local cxx=$1 dir=$2 objs=()
  for src in "${KERNEL_SOURCES[@]}"; do objs+=("$dir/${src%.cc}.o"); done
  "$cxx" "${FLAGS[@]}" -c "$NATIVE/test/arm_kernels_test.cc" -o "$dir/arm_kernels_test.o" &&
    "$cxx" -pthread "$dir/arm_kernels_test.o" "${objs[@]}" -o "$dir/arm_kernels_test"
}
if build_driver aarch64-linux-gnu-g++ "$OUT_DIR/aarch64" 2>"$OUT_DIR/aarch64/driver.log"; then
  say "running the kernel driver under $QEMU (emulated: the FMA figure is qemu's, not an ARM core's)"
  if "$QEMU" -L "$SYSROOT" "$OUT_DIR/aarch64/arm_kernels_test" --expect-isa portable --fma-seconds 0.3 | tee "$OUT_DIR/aarch64/run.log"; then
    pass "aarch64 under qemu: $(tail -1 "$OUT_DIR/aarch64/run.log"); $(grep -m1 'FMA probe' "$OUT_DIR/aarch64/run.log")"
  else
    fail "aarch64 under qemu: $(tail -1 "$OUT_DIR/aarch64/run.log") (log: $OUT_DIR/aarch64/run.log)"
  fi
else
  sed 's/^/    /' "$OUT_DIR/aarch64/driver.log" >&2
  fail "aarch64 kernel driver did not build (log above)"
fi

# ---- 3. the same driver on this machine -------------------------------------------------------------
if [ "$(uname -m)" = x86_64 ]; then
  built=1
  for src in "${KERNEL_SOURCES[@]}"; do
    g++ "${FLAGS[@]}" -c "$NATIVE/src/$src" -o "$OUT_DIR/x86-64/${src%.cc}.o" 2>>"$OUT_DIR/x86-64/build.log" || built=0
  done
  if [ "$built" = 1 ] && build_driver g++ "$OUT_DIR/x86-64" 2>>"$OUT_DIR/x86-64/build.log"; then
    say "running the kernel driver on this x86-64 CPU, every kernel set it has"
    if "$OUT_DIR/x86-64/arm_kernels_test" --all-isas --fma-seconds 0.3 | tee "$OUT_DIR/x86-64/run.log"; then
      pass "x86-64 native: $(tail -1 "$OUT_DIR/x86-64/run.log"); $(grep 'FMA probe' "$OUT_DIR/x86-64/run.log" | sed 's/ on one thread.*//; s/^kernel set //' | paste -sd ',')"
    else
      fail "x86-64 native: $(tail -1 "$OUT_DIR/x86-64/run.log") (log: $OUT_DIR/x86-64/run.log)"
    fi
  else
    sed 's/^/    /' "$OUT_DIR/x86-64/build.log" >&2
    fail "x86-64 kernel driver did not build (log above)"
  fi
else
  say "not on x86-64: the native run is skipped"
fi

# ---- 4. what the aarch64 code is made of ------------------------------------------------------------
# function_asm OBJ NAME_PREFIX: the disassembly of the functions whose demangled name starts with it.
function_asm() {
  aarch64-linux-gnu-objdump -d -C --no-show-raw-insn "$1" |
    awk -v name="$2" '/^[0-9a-f]+ <.*>:$/ { inside = index($0, "<" name) > 0 } inside'
}
# loop_spills ASM: stack loads and stores inside the loop around the first fmla (accumulators that did
# not fit in the 32 NEON registers), from the backward branch that closes it.
loop_spills() {
  local first start="" end="" addr op target rest
  first=$(grep -m1 -E '\sfmla\s' <<<"$1" | awk '{ sub(":", "", $1); print $1 }')
  [ -n "$first" ] || { echo "?"; return; }
  while read -r addr op target rest; do
    addr=${addr%:}
    if [[ $op == b* && $target =~ ^[0-9a-f]+$ ]] && ((16#$target <= 16#$first && 16#$addr > 16#$first)); then
      start=$target end=$addr
      break
    fi
  done <<<"$1"
  [ -n "$start" ] || { echo "?"; return; }
  local count=0
  while read -r addr rest; do
    addr=${addr%:}
    [[ $addr =~ ^[0-9a-f]+$ ]] || continue
    if ((16#$addr >= 16#$start && 16#$addr <= 16#$end)) && [[ $rest == *"[sp"* ]]; then count=$((count + 1)); fi
  done <<<"$1"
  echo "$count"
}
# The portable micro-kernel and the pack-free convolution kernels (conv_tiles.inc) on the same 6x16
# tile: a depth step of each is 24 fmla on NEON registers.
for kernel in micro convTaps convDepth; do
  asm=$(function_asm "$OUT_DIR/aarch64/kernels_portable.o" "digitfuse::(anonymous namespace)::$kernel(")
  fmla=$(grep -cE '\sfmla\s+v[0-9]+\.4s' <<<"$asm" || true)
  spills=$(loop_spills "$asm")
  if [ "$fmla" -ge 24 ]; then
    pass "portable $kernel on aarch64: $fmla fmla on v registers (.4s; 24 a depth step of the 6x16 tile), $spills stack loads/stores in its depth loop"
  else
    fail "portable $kernel on aarch64: $fmla fmla on v registers (.4s), expected at least 24 (the 6x16 tile's depth step)"
  fi
done
adam=$(function_asm "$OUT_DIR/aarch64/adam.o" "digitfuse::adamUpdate(")
fused=$(grep -cE '\sf(n?madd|n?msub|mla|mls)\s' <<<"$adam" || true)
vsqrt=$(grep -cE '\sfsqrt\s+v[0-9]+\.4s' <<<"$adam" || true)
if [ "$fused" = 0 ] && [ "$vsqrt" -ge 1 ]; then
  pass "adamUpdate on aarch64: vectorised ($vsqrt fsqrt on v registers), no fused multiply-add (fp-contract=off holds)"
else
  fail "adamUpdate on aarch64: $fused fused multiply-adds (must be 0: tfjs rounds each operation), $vsqrt fsqrt on v registers"
fi

finish
