#!/usr/bin/env bash
# Train a zoo entry on a lent GPU machine that has PyTorch but neither TensorFlow nor Keras
# (the `device` tool of this project's workplace), on the torch backend, in one call.
#
# Here, once (both paths are git-ignored; the data is linked, not copied):
#   mkdir -p wheels-gpu && cp ../shared/wheels/gpu-py312/*.whl wheels-gpu/
#   ln -sfn ../shared/data .data
# The device call (carry: ["wheels-gpu", ".data/celeba"]; 10 minutes at most):
#   bash scripts/device_recipe.sh stylegan_lite_celeba 480 --steps=8000
# runs recipes/NAME.py with --export and --time_limit=SECONDS (it stops at the last
# checkpoint before SECONDS, judged by the longest epoch so far; export happens only if every
# step ran), then copies what must come back into $OUT: weights_NAME/ (the exported folder),
# weights_manifest.json, and the loss log and last sample grid, which show how far it got if the
# time ran out. A checkpoint stays in
# runs/NAME/ on that machine while it is warm: the same call again resumes from it.
set -uo pipefail
cd "$(dirname "$0")/.."
name=$1 seconds=$2
shift 2
python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site wheels-gpu/*.whl || exit 1
export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH} KERAS_BACKEND=torch GANZOO_DATA_DIR=.data
export PYTHONUNBUFFERED=1
python3 "recipes/$name.py" --export --time_limit="$seconds" --source=local "$@" 2>&1 | tee "${OUT:-/tmp}/train.log"
status=${PIPESTATUS[0]}
if [ -n "${OUT:-}" ]; then
    [ -d "weights/$name" ] && cp -r "weights/$name" "$OUT/weights_$name" && cp weights_manifest.json "$OUT/"
    cp "runs/$name/log.csv" "$OUT/" 2>/dev/null
    last=$(ls -t "runs/$name/samples/" 2>/dev/null | head -n 1)
    [ -n "$last" ] && cp "runs/$name/samples/$last" "$OUT/"
fi
exit "$status"
