#!/usr/bin/env bash
# Train a zoo entry on a lent GPU machine that has PyTorch and JAX but neither TensorFlow nor Keras
# (the `device` tool of this project's workplace), in one call; several can share the GPU at once.
#
# Here, once (both paths are git-ignored; the data is linked, not copied):
#   mkdir -p wheels-gpu && cp ../shared/wheels/gpu-py312/*.whl wheels-gpu/
#   ln -sfn ../shared/data .data
# The tracked weights/ are over the 64 MiB a call carries: leave them behind for the call with
#   git rm -r -q --cached weights && echo /weights/ >> .git/info/exclude
# and take them back after it with `git reset -q -- weights` and that line deleted again.
# The device call (carry: ["wheels-gpu", ".data/celeba"]; 10 minutes at most):
#   bash scripts/device_recipe.sh stylegan_lite_celeba 480 --steps=8000
# or two recipes side by side, `bash scripts/device_recipe.sh A 450 ... & bash scripts/device_recipe.sh B 450 ...;
# wait` (what they bring back together must stay under 64 MiB and 8 files).
# runs recipes/NAME.py with --export and --time_limit=SECONDS (it stops at the last
# checkpoint before SECONDS, judged by the longest epoch so far; export happens only if every
# step ran) on KERAS_BACKEND (default jax: the whole step compiled by XLA, where torch runs it op by
# op), then packs what must come back into $OUT/NAME.tar (split into NAME.tar.partaa, ab, ... of
# 15 MB; `cat NAME.tar.part* | tar x` here): the exported weights/NAME/ and its manifest entry
# (runs/NAME/manifest.json), or, where the time ran out first, the checkpoint with its optimizers'
# state in bfloat16 (runs/NAME/backup/packed.weights.h5: scripts/pack_checkpoint.py unpack it) to
# go on from here; with the run's log.csv, training log and last sample grid either way.
# EXPORT_AT_PAUSE=1, for recipes whose learning rate is constant (steps decide nothing but where the
# run stops): a run the time paused at step N is exported as the run of N steps.
set -uo pipefail
cd "$(dirname "$0")/.."
name=$1 seconds=$2
shift 2
[ -d /tmp/site/keras ] || python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site wheels-gpu/*.whl || exit 1
export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} KERAS_BACKEND=${KERAS_BACKEND:-jax} GANZOO_DATA_DIR=.data
export PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false  # JAX takes memory as it needs it: recipes share the GPU
run=runs/$name
mkdir -p "$run" && cp weights_manifest.json "$run/manifest.json"
python3 "recipes/$name.py" --export --manifest="$run/manifest.json" --time_limit="$seconds" --source=local "$@" \
    > "$run/train.log" 2>&1
status=$?
paused=$(sed -n 's/.*stopped by --time_limit at step \([0-9]*\) of.*/\1/p' "$run/train.log" | tail -n 1)
if [ -n "$paused" ] && [ "${EXPORT_AT_PAUSE:-0}" = 1 ]; then
    args=()
    for arg in "$@"; do case $arg in --steps=*) ;; *) args+=("$arg") ;; esac; done
    python3 "recipes/$name.py" --export --manifest="$run/manifest.json" --source=local "${args[@]}" --steps="$paused" \
        >> "$run/train.log" 2>&1
    status=$?
fi
tail -n 3 "$run/train.log"
take=("$run/train.log" "$run/log.csv" "$run/run.json" "$run/training.json" "$run/backup/training_metadata.json")
last=$(ls -t "$run/samples/" 2>/dev/null | head -n 1)
[ -n "$last" ] && take+=("$run/samples/$last")
if [ -d "weights/$name" ]; then
    take+=("weights/$name" "$run/manifest.json")
elif [ -f "$run/backup/latest.weights.h5" ]; then
    python3 scripts/pack_checkpoint.py pack "$run/backup/latest.weights.h5" "$run/backup/packed.weights.h5" \
        && take+=("$run/backup/packed.weights.h5")
fi
if [ -n "${OUT:-}" ]; then
    existing=()
    for path in "${take[@]}"; do [ -e "$path" ] && existing+=("$path"); done
    tar cf - "${existing[@]}" | split -b 15M - "$OUT/$name.tar.part"
fi
exit "$status"
