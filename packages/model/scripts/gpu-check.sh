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
# 4. gpu-kernel-timing.ts: the filter gradient of each convolution of the paper config, stock kernel
#    against the GPU kernel layer (batched matrix product) at batch 256 and 1024, and a training step with each.
# 5. model:train on the full-size demo dataset (.gpu/full60.npz: 60,000 rows split 80/20, 10,000 test
#    rows with labels), paper config, batch 256, up to 10 epochs with early stopping: time per epoch
#    and test accuracy.
# 6. model:bench --json --backend webgpu (small and paper configs, batch 64).
# 7. model:train as in 5 at batch 1024 and 512, one epoch at 64, gpu-train-timing.ts (an epoch at batch 256 with the
#    rows kept on the GPU and copied from the host per batch), and one epoch of the CPU path of that
#    machine (wasm + native kernels, batch 64) for the ratio.
# Each step has a timeout within a total budget (GPU_CHECK_BUDGET_S, default 450 s); the summary
# (also in OUT_DIR/gpu-check-summary.txt) says PASS / FAIL / TIMEOUT / SKIPPED per step with its
# numbers; each step's stderr (NAME.log) and stdout (NAME.json) are in OUT_DIR/steps.tar.gz. Exit code 0 only when every step passed.
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
STEPS=$WORK/steps
rm -rf "$STEPS"
mkdir -p "$WORK" "$STEPS"
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
elif [ -d .gpu/bundle ] || [ -f .gpu/bundle.tar.xz ]; then
  RUNNER=bundle
  [ -d .gpu/bundle ] || tar -C .gpu -xJf .gpu/bundle.tar.xz
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
    bench | train) src=packages/model/src/cli/$1.ts ;;
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
# The driver's libraries (NVIDIA's container mount) first.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [ -d "$d" ] && case ":${LD_LIBRARY_PATH:-}:" in *":$d:"*) ;; *) export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d" ;; esac
done
# The carried libraries go after the machine's own in the search path: they only fill what it lacks
# (the loader; libGLdispatch and the other glvnd libraries NVIDIA's driver needs).
deb=
lib=
if ls .gpu/debs/*.deb >/dev/null 2>&1; then
  for deb in .gpu/debs/*.deb; do
    dpkg -x "$deb" "$WORK/vulkan" 2>>"$LOG" || (mkdir -p "$WORK/ar" && cd "$WORK/ar" && ar x "$ROOT/$deb" && tar -C "$WORK/vulkan" -xf data.tar.* && rm -f data.tar.* control.tar.* debian-binary)
  done
  deb=".gpu/debs ($(ls .gpu/debs | sed 's/_.*//' | tr '\n' ' ' | sed 's/ $//'))"
  lib=$(dirname "$(find "$WORK/vulkan" -name 'libvulkan.so.1' | head -n 1)")
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$lib"
elif ! have_loader && [ -z "${GPU_CHECK_NO_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then
  say "installing libvulkan1 with apt-get"
  timeout 90 apt-get install -y -q libvulkan1 >>"$LOG" 2>&1 || timeout 120 sh -c 'apt-get update -q && apt-get install -y -q libvulkan1' >>"$LOG" 2>&1
fi
if have_loader; then record "vulkan loader: found (system: $(ldconfig -p 2>/dev/null | grep -c 'libvulkan\.so\.1') entries${deb:+; carried: $deb})"; else record "vulkan loader: MISSING (libvulkan.so.1; no .gpu/debs/libvulkan1_*.deb, apt-get failed)"; fi

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
{ # For a failure's diagnosis: the driver's Vulkan files, and what the ICD names.
  ls -l /usr/local/nvidia/lib64 2>&1 | grep -iE 'GLX|vulkan|GLdispatch|glcore|nvidia-gpucomp' | head -n 12
  ls /etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1
  cat "${VK_DRIVER_FILES:-/dev/null}" 2>&1
} >>"$LOG"

# ---- 3.-6. The steps -----------------------------------------------------------------------------
WEBGPU_OK=1
step() { # NAME CAP_S SCRIPT ARGS...: runs the script within the budget; NAME.json gets its stdout
  # (its result line), NAME.log its stderr; the summary gets the status and key lines.
  local name=$1 cap=$2 script=$3
  shift 3
  local left=$((BUDGET - ($(date +%s) - T0)))
  if [ "$WEBGPU_OK" = 0 ]; then record "$name: SKIPPED (webgpu is not available, see above)"; return; fi
  if [ "$left" -lt 30 ]; then record "$name: SKIPPED (budget of ${BUDGET} s spent)"; return; fi
  local limit=$((cap < left ? cap : left)) t rc status cmd
  mapfile -t cmd < <(ts_command "$script")
  say "$name: ${cmd[*]} $* (timeout ${limit} s)"
  t=$(date +%s)
  timeout -k 10 "$limit" "${cmd[@]}" "$@" >"$STEPS/$name.json" 2>"$STEPS/$name.log"
  rc=$?
  # The device tool brings back 8 files at most: the steps' outputs travel as one archive.
  tar -C "$STEPS" -czf "$OUT_DIR/steps.tar.gz.tmp" . && mv "$OUT_DIR/steps.tar.gz.tmp" "$OUT_DIR/steps.tar.gz"
  case $rc in
    0) status=PASS ;;
    124 | 137) status="TIMEOUT after ${limit} s" ;;
    *) status="FAIL (exit $rc)" ;;
  esac
  grep -q 'backend webgpu is not available' "$STEPS/$name.log" && WEBGPU_OK=0
  record "$name: $status in $(($(date +%s) - t)) s"
  # The backend line or the error, the result lines, and the last line of stdout (every step's result).
  while IFS= read -r line; do record "    $line"; done < <(
    grep -E '^(error:|warning:|note:|backend:|attention |concat |robust |batch |epoch |test |validation |best epoch)' "$STEPS/$name.log" | head -n 16
    tail -n 1 "$STEPS/$name.json" | cut -c1-700
  )
}

# The full-size demo dataset for the training steps: .gpu/full60.npz expanded into the competition's files.
DATA=$WORK/full60
expand_data() {
  [ -f "$DATA/y_test.csv" ] && return 0
  if [ ! -f .gpu/full60.npz ]; then record "data: MISSING (.gpu/full60.npz: run gpu-pack.sh)"; return 1; fi
  local py
  py=$(command -v python3 || command -v python) || { record "data: MISSING (python3 with numpy, to expand .gpu/full60.npz)"; return 1; }
  if "$py" - .gpu/full60.npz "$DATA" >>"$LOG" 2>&1 <<'PY'
import os, sys, numpy as np
z = np.load(sys.argv[1])
out = sys.argv[2] + '.tmp'
os.makedirs(out, exist_ok=True)
for split in ('train', 'test'):
    np.save(f'{out}/x_{split}_wr.npy', z[f'{split}_wr'].astype(np.float32))
    np.save(f'{out}/x_{split}_sp.npy', z[f'{split}_sp_rows'][z[f'{split}_sp_index']])
    open(f'{out}/y_{split}.csv', 'wb').write(z[f'y_{split}'].tobytes())
os.rename(out, sys.argv[2])
PY
  then record "data: $DATA (60,000 + 10,000 rows from .gpu/full60.npz)"; else record "data: FAIL (expanding .gpu/full60.npz, see the log)"; return 1; fi
}
# model:train on the full-size data: NAME CAP_S BACKEND BATCH [EPOCHS]
train_step() {
  rm -rf "$WORK/model-$1"
  step "$1" "$2" train --data "$DATA" --out "$WORK/model-$1" --cache-dir "$WORK/cache" --backend "$3" --batch-size "$4" --epochs "${5:-10}" --progress lines
}

B=${GPU_CHECK_BACKEND:-webgpu}
if [ -n "${GPU_CHECK_QUICK:-}" ]; then # a smoke test of this script: tiny sizes
  step gradients 150 gpu-gradient-check --backend "$B" --batch 2
  step kernels 120 gpu-kernel-timing --backend "$B" --batch-sizes 2 --repeats 1 --chunks 0,64
  step bench 120 bench --json --backend "$B" --configs small --steps 2 --warmup 1
  step rows 240 gpu-train-timing --backend "$B" --batch-sizes 64 --rows device,host --epochs 1 --train-rows 256 --val-rows 64
  expand_data && train_step train-256 240 "$B" 256 1
else
  step gradients 90 gpu-gradient-check --backend "$B" --batch 4 --fusions robust,concat,attention
  step kernels 90 gpu-kernel-timing --backend "$B" --batch-sizes 256,1024 --repeats 8
  if expand_data; then train_step train-256 150 "$B" 256; fi
  step bench 45 bench --json --backend "$B" --configs small,paper --steps 30
  [ -d "$DATA" ] && train_step train-1024 75 "$B" 1024
  [ -d "$DATA" ] && train_step train-512 100 "$B" 512
  [ -d "$DATA" ] && train_step train-64 90 "$B" 64 1
  step rows 60 gpu-train-timing --backend "$B" --batch-sizes 256 --rows device,host --epochs 1
  [ -d "$DATA" ] && train_step cpu-epoch 90 wasm 64 1
fi

print_summary
grep -qE '^[a-z ]+: (FAIL|TIMEOUT|SKIPPED|MISSING)' "$SUMMARY" && exit 1
exit 0
