#!/usr/bin/env bash
# The webgpu backend on a machine with a GPU, in one command (about 8 minutes at most):
#
#   bash packages/model/scripts/gpu-check.sh [OUT_DIR]        (default: $OUT, else /tmp/gpu-check)
#
# 1. Node: the one on PATH, else .gpu/node.xz (gpu-pack.sh).
# 2. The Vulkan loader libvulkan.so.1: the system's, else .gpu/debs/libvulkan1_*.deb unpacked under
#    /tmp (nothing is installed into /), else `apt-get install libvulkan1` (needs a package mirror).
#    The driver: NVIDIA's nvidia_icd.json where the container has it (VK_DRIVER_FILES), else one
#    written for libGLX_nvidia.so.0 when that library is there.
# 3. gpu-gradient-check.ts: one training step of each fusion, webgpu against cpu (loss, gradients, Adam update).
# 4. model:bench --json --backend webgpu (small and paper configs, batch 64).
# 5. gpu-train-timing.ts: a full-size epoch (paper config, 48,000 + 12,000 synthetic rows), batch 256 then 64.
# Each step has a timeout within a total budget (GPU_CHECK_BUDGET_S, default 450 s); the summary
# (also in OUT_DIR/gpu-check-summary.txt) says PASS / FAIL / TIMEOUT / SKIPPED per step with its
# numbers; logs and each step's JSON line are in OUT_DIR. Exit code 0 only when every step passed.
#
# TypeScript runs through tsx where `npm ci` was run; else through the bundles in .gpu/bundle, which
# `bash packages/model/scripts/gpu-pack.sh` makes on a machine with node_modules (for a machine with no
# npm registry: carry .gpu along). GPU_CHECK_BUDGET_S=N changes the budget, GPU_CHECK_NO_APT=1 keeps
# apt-get away, GPU_CHECK_RUNNER=bundle uses .gpu even where npm ci ran, GPU_CHECK_QUICK=1 runs every
# step at tiny sizes, GPU_CHECK_BACKEND=wasm (say) tries the script itself on a machine without a GPU.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT" || exit 1
OUT_DIR=${1:-${OUT:-/tmp/gpu-check}}
mkdir -p "$OUT_DIR"
LOG=$OUT_DIR/gpu-check.log
SUMMARY=$OUT_DIR/gpu-check-summary.txt
: >"$LOG"
WORK=/tmp/gpu-check-tools
mkdir -p "$WORK"
BUDGET=${GPU_CHECK_BUDGET_S:-450}
T0=$(date +%s)
SUMMARY_LINES=()

say() { echo "gpu-check: $*" | tee -a "$LOG" >&2; }
record() { SUMMARY_LINES+=("$1"); say "$1"; }
print_summary() {
  {
    echo "== gpu-check summary ($(date -u +%FT%TZ), $(($(date +%s) - T0)) s) =="
    printf '%s\n' "${SUMMARY_LINES[@]}"
  } | tee "$SUMMARY"
}

# GPU_CHECK_RUNNER=bundle: the carried node and bundles even where node and node_modules are there
# (what a device machine runs; to try this script on a machine where npm ci ran).
FORCE_BUNDLE=$([ "${GPU_CHECK_RUNNER:-}" = bundle ] && echo 1 || echo 0)

# ---- 1. Node ---------------------------------------------------------------------------------
if [ "$FORCE_BUNDLE" = 1 ] || ! command -v node >/dev/null 2>&1; then
  if [ -f .gpu/node.xz ]; then
    mkdir -p "$WORK/bin" && xz -dc .gpu/node.xz >"$WORK/bin/node" && chmod +x "$WORK/bin/node"
    export PATH="$WORK/bin:$PATH"
  fi
fi
if ! command -v node >/dev/null 2>&1; then
  record "node: MISSING (no node on PATH and no .gpu/node.xz: run gpu-pack.sh where npm ci ran, and carry .gpu)"
  print_summary
  exit 1
fi
record "node: $(node --version) ($(command -v node))"

# How the TypeScript steps run: tsx over the sources, or the prepared bundles.
if [ "$FORCE_BUNDLE" = 0 ] && [ -x node_modules/.bin/tsx ] && [ -d node_modules/@tensorflow/tfjs ]; then
  RUNNER=tsx
elif [ -d .gpu/bundle ]; then
  RUNNER=bundle
  if [ ! -f .gpu/node_modules/webgpu/package.json ] && [ -f .gpu/webgpu.tar.xz ]; then
    mkdir -p .gpu/node_modules/webgpu && tar -C .gpu/node_modules/webgpu -xJf .gpu/webgpu.tar.xz
  fi
else
  record "runner: MISSING (neither node_modules from npm ci nor .gpu/bundle from gpu-pack.sh)"
  print_summary
  exit 1
fi
record "runner: $RUNNER"

ts_command() { # NAME: the command line that runs that script (printed one word a line)
  local src
  case $1 in
    bench) src=packages/model/src/cli/bench.ts ;;
    *) src=packages/model/scripts/$1.ts ;;
  esac
  if [ "$RUNNER" = tsx ]; then printf '%s\n' node_modules/.bin/tsx "$src"; else printf '%s\n' node ".gpu/bundle/$1.js"; fi
}

# ---- 2. Vulkan loader and driver -----------------------------------------------------------------
have_loader() {
  ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' && return 0
  local d
  local dirs=${LD_LIBRARY_PATH:-}
  for d in ${dirs//:/ }; do [ -e "$d/libvulkan.so.1" ] && return 0; done
  return 1
}
deb=
lib=
if ! have_loader; then
  deb=$(ls .gpu/debs/libvulkan1_*.deb 2>/dev/null | head -n 1)
  if [ -n "$deb" ]; then
    dpkg -x "$deb" "$WORK/vulkan" 2>>"$LOG" || (cd "$WORK" && ar x "$ROOT/$deb" data.tar.xz && mkdir -p vulkan && tar -C vulkan -xJf data.tar.xz)
    lib=$(dirname "$(find "$WORK/vulkan" -name 'libvulkan.so.1' | head -n 1)")
    export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  elif [ -z "${GPU_CHECK_NO_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then
    say "installing libvulkan1 with apt-get"
    timeout 90 apt-get install -y -q libvulkan1 >>"$LOG" 2>&1 || timeout 120 sh -c 'apt-get update -q && apt-get install -y -q libvulkan1' >>"$LOG" 2>&1
  fi
fi
if have_loader; then record "vulkan loader: found${lib:+ (from $deb)}"; else record "vulkan loader: MISSING (libvulkan.so.1; no .gpu/debs/libvulkan1_*.deb, apt-get failed)"; fi

for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && case ":${LD_LIBRARY_PATH:-}:" in *":$d:"*) ;; *) export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d" ;; esac
done
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  if ! ls /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json /usr/local/share/vulkan/icd.d/*.json /etc/xdg/vulkan/icd.d/*.json >/dev/null 2>&1; then
    for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
      [ -f "$f" ] && export VK_DRIVER_FILES=$f && break
    done
    if [ -z "${VK_DRIVER_FILES:-}" ] && { ldconfig -p 2>/dev/null | grep -q libGLX_nvidia.so.0 || ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 >/dev/null 2>&1; }; then
      printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "libGLX_nvidia.so.0", "api_version": "1.3.0"}}\n' >"$WORK/nvidia_icd.json"
      export VK_DRIVER_FILES=$WORK/nvidia_icd.json
    fi
  fi
fi
manifests=$(ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d 2>/dev/null | grep '\.json$' | tr '\n' ' ')
record "vulkan driver: ${VK_DRIVER_FILES:-the icd.d folders${manifests:+ (${manifests% })}}"
if command -v nvidia-smi >/dev/null 2>&1; then
  record "gpu: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1)"
fi
say "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"

# ---- 3.-5. The steps -----------------------------------------------------------------------------
WEBGPU_OK=1
step() { # NAME CAP_S SCRIPT ARGS...: runs the script within the budget; OUT_DIR/NAME.json gets its
  # stdout (the JSON line), OUT_DIR/NAME.log its stderr; the summary gets the status and key lines.
  local name=$1 cap=$2 script=$3
  shift 3
  local left=$((BUDGET - ($(date +%s) - T0)))
  if [ "$WEBGPU_OK" = 0 ]; then record "$name: SKIPPED (webgpu is not available, see above)"; return; fi
  if [ "$left" -lt 30 ]; then record "$name: SKIPPED (budget of ${BUDGET} s spent)"; return; fi
  local limit=$((cap < left ? cap : left)) t rc status cmd
  mapfile -t cmd < <(ts_command "$script")
  say "$name: ${cmd[*]} $* (timeout ${limit} s)"
  t=$(date +%s)
  timeout -k 10 "$limit" "${cmd[@]}" "$@" >"$OUT_DIR/$name.json" 2>"$OUT_DIR/$name.log"
  rc=$?
  case $rc in
    0) status=PASS ;;
    124 | 137) status="TIMEOUT after ${limit} s" ;;
    *) status="FAIL (exit $rc)" ;;
  esac
  grep -q 'backend webgpu is not available' "$OUT_DIR/$name.log" && WEBGPU_OK=0
  record "$name: $status in $(($(date +%s) - t)) s"
  # The backend line or the error, the result lines, and the JSON line (bench).
  while IFS= read -r line; do record "    $line"; done < <(
    grep -E '^(error:|backend:|attention |concat |robust |batch )' "$OUT_DIR/$name.log" | head -n 8
    [ "$name" = bench ] && tail -n 1 "$OUT_DIR/$name.json"
  )
}

B=${GPU_CHECK_BACKEND:-webgpu}
if [ -n "${GPU_CHECK_QUICK:-}" ]; then # a smoke test of this script: tiny sizes
  step gradients 150 gpu-gradient-check --backend "$B" --batch 2
  step bench 120 bench --json --backend "$B" --configs small --steps 2 --warmup 1
  step train 240 gpu-train-timing --backend "$B" --batch-sizes 64 --epochs 1 --train-rows 256 --val-rows 64
else
  step gradients 150 gpu-gradient-check --backend "$B" --batch 4
  step bench 120 bench --json --backend "$B" --configs small,paper --steps 30
  step train 200 gpu-train-timing --backend "$B" --batch-sizes 256,64 --epochs 1
fi

print_summary
grep -qE '^[a-z ]+: (FAIL|TIMEOUT|SKIPPED|MISSING)' "$SUMMARY" && exit 1
exit 0
