#!/usr/bin/env bash
# Proves that a fresh `git clone` of the committed code installs, type-checks, lints and passes the
# tests with nothing from this checkout: clones the repository beside it, checks out REF (default:
# this checkout's HEAD) and runs .ci/run there. The clone is removed when CI passes, kept otherwise.
#   tools/fresh-clone-check.sh [REF]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$here" rev-parse --verify "${1:-HEAD}^{commit}")"
clone="$(dirname "$here")/$(basename "$here")-fresh-$(date -u +%Y%m%dT%H%M%S)"
if [ -n "$(git -C "$here" status --porcelain)" ]; then
  echo "note: uncommitted changes in $here are not part of the check" >&2
fi
git clone --quiet --no-checkout "$here" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"
echo "fresh clone of ${commit:0:12} in $clone"
if "$clone/.ci/run"; then
  rm -rf "$clone"
  echo "fresh clone check passed (${commit:0:12})"
else
  status=$?
  echo "fresh clone check FAILED (${commit:0:12}); the clone is kept in $clone" >&2
  exit "$status"
fi
