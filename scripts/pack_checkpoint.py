"""Pack a training checkpoint for the trip back from a lent GPU machine, or unpack it here.

    python scripts/pack_checkpoint.py pack runs/NAME/backup/latest.weights.h5 NAME.packed.h5
    python scripts/pack_checkpoint.py unpack NAME.packed.h5 runs/NAME/backup/latest.weights.h5

The optimizers' state travels in bfloat16, the weights exactly (ganzoo/checkpoint_packing.py); put the
run's run.json and backup/training_metadata.json beside the unpacked file and the recipe's command
goes on from it.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganzoo import checkpoint_packing  # noqa: E402

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack"):
        raise SystemExit(__doc__)
    Path(sys.argv[3]).parent.mkdir(parents=True, exist_ok=True)
    getattr(checkpoint_packing, sys.argv[1])(sys.argv[2], sys.argv[3])
