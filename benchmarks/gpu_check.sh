#!/usr/bin/env bash
# The GPU checks as one prepared run on a lent device machine (the `device` tool of the tool
# library), so that its few minutes go to measuring and not to setting up.
#
# Why a script: a session is lent a GPU rarely and for 15 minutes at most, and the one goal
# left open (issue 6: hashview end to end no slower than imagededup's PHash on a GPU) needs
# `benchmarks.dups` on `dupset` there. `dupset` (63 MB) and this checkout (7 MB) are more than one
# call may carry (64 MiB), so the set travels in parts over two calls; a warm machine keeps the
# checkout's ignored files between calls (it goes back after 30 s idle: make the second call at once).
#
# Here, once:   bash benchmarks/gpu_check.sh pack /tmp/dupset
#               (the wheels the device image lacks, and the set in three parts, under .gpu/)
# Device call 1 (carry .gpu/dupset.tar.aa .gpu/dupset.tar.ab):
#               bash benchmarks/gpu_check.sh stash
# Device call 2 (carry .gpu/dupset.tar.ac .gpu/wheels), timeout_s 600:
#               bash benchmarks/gpu_check.sh check
# What call 2 prints is also under $OUT: cuda-tests.txt, dupnet-step.txt (the defaults, then the
# four-view plan), dups-dupset.txt (with PHash) and dups-dupset-views4.txt. Estimated 4 to 5
# minutes on a GPU (not yet run on one); on this 2-core CPU about 6.
# `DEVICE=cpu PYTHON=.venv/bin/python bash benchmarks/gpu_check.sh check` runs the same steps here.
set -uo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"  # before the cd: the usage below reads it
cd "$(dirname "$0")/.."  # the repository root: the benchmarks run as `python -m benchmarks.NAME` from there
mode=${1:-}
parts=.gpu-kept  # ignored, so the device machine keeps it between calls while it stays warm
out=${OUT:-/tmp/gpu-check-out}
device=${DEVICE:-cuda}
plan='{"views": 4, "min_steps": 540, "hard_negatives": 32}'
python=${PYTHON:-python3}  # the device's python3 holds torch; here: PYTHON=.venv/bin/python

case "$mode" in
pack)
  set -e
  set_dir=${2:?usage: gpu_check.sh pack DUPSET}
  rm -rf .gpu && mkdir -p .gpu/wheels
  # the device image has torch, torchvision, numpy, pillow, scipy and pytest; not these
  $python -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_24_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .gpu/wheels \
    platformdirs imagededup PyWavelets
  tar -cf - -C "$(dirname "$set_dir")" "$(basename "$set_dir")" | split -b 22M - .gpu/dupset.tar.
  ls -l .gpu .gpu/wheels
  ;;
stash)
  mkdir -p "$parts" && cp .gpu/dupset.tar.* "$parts"/ && ls -l "$parts"
  ;;
check)
  mkdir -p "$parts" "$out"
  cp .gpu/dupset.tar.* "$parts"/ 2>/dev/null
  if [ ! -d /tmp/dupset ]; then
    cat "$parts"/dupset.tar.* | tar -x -C /tmp || { echo "the set's parts are incomplete: run 'stash' first"; exit 2; }
  fi
  if [ -d .gpu/wheels ] && ! $python -c "import platformdirs, imagededup" 2>/dev/null; then
    $python -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .gpu/wheels/*.whl
    export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
  fi
  $python setup.py -q build_ext --inplace >/dev/null 2>&1 || echo "no C kernel built: pairs use numpy"
  export PYTHONUNBUFFERED=1
  nvidia-smi -L 2>/dev/null
  $python -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  $python -m pytest -q -p no:cacheprovider tests/test_cuda.py 2>&1 | tee "$out/cuda-tests.txt"
  $python -m benchmarks.dupnet_step --device "$device" 2>&1 | tee "$out/dupnet-step.txt"
  HASHVIEW_PARAMS="$plan" $python -m benchmarks.dupnet_step --device "$device" 2>&1 | tee -a "$out/dupnet-step.txt"
  $python -m benchmarks.dups /tmp/dupset 2>&1 | tee "$out/dups-dupset.txt"
  # the plan with half the steps (README, run 10): as good on this project's CPU, never timed on a GPU
  $python -m benchmarks.dups /tmp/dupset --skip-imagededup --params "$plan" 2>&1 | tee "$out/dups-dupset-views4.txt"
  ;;
*)
  sed -n '2,20p' "$self"
  exit 2
  ;;
esac
