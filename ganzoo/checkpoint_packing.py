"""A training checkpoint small enough for the trip back from a lent machine, and back again.

A checkpoint (training.train's backup/latest.weights.h5) holds the networks and the optimizers'
state, which for Adam is two moments a weight: three times the weights. A lent GPU machine returns
at most 64 MiB, less than one StarGAN or StyleGAN-lite checkpoint at width 32. `pack` stores the
optimizers' float32 arrays as bfloat16 (float32's exponent range, so Adam's tiny second moments do
not underflow as they would in float16; 8 bits of mantissa, plenty for moving averages) and keeps
the networks' weights and every scalar (the step count) exact; `unpack` writes a checkpoint that
Keras loads again, so a run goes on from it (scripts/pack_checkpoint.py).
"""

import h5py
import numpy as np

PACKED = "ganzoo_bfloat16_bits"  # the attribute that marks an array stored as the top half of its float32 bits


def _is_optimizer_array(path, dataset):
    return "optimizer" in path.split("/")[0] and dataset.dtype == np.float32 and dataset.ndim > 0


def _to_bfloat16_bits(values):
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    return ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)  # round to nearest, ties to even


def _from_bfloat16_bits(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def _copy(source, target, convert, path=""):
    for key, value in source.attrs.items():
        target.attrs[key] = value
    for name, item in source.items():
        item_path = f"{path}/{name}".lstrip("/")
        if isinstance(item, h5py.Group):
            _copy(item, target.create_group(name), convert, item_path)
            continue
        data, attributes = convert(item_path, item)
        written = target.create_dataset(name, data=data)
        for key, value in attributes.items():
            written.attrs[key] = value


def pack(source, target):
    """Write `source` (a .weights.h5 checkpoint) to `target` with the optimizers' arrays in bfloat16."""
    def convert(path, dataset):
        attributes = dict(dataset.attrs)
        if _is_optimizer_array(path, dataset):
            return _to_bfloat16_bits(dataset[()]), {**attributes, PACKED: True}
        return dataset[()], attributes

    with h5py.File(source, "r") as read, h5py.File(target, "w") as write:
        _copy(read, write, convert)


def unpack(source, target):
    """Write a checkpoint Keras loads from `source`, a file pack() wrote (float32 again, as it was
    to bfloat16's precision)."""
    def convert(path, dataset):
        attributes = {k: v for k, v in dataset.attrs.items() if k != PACKED}
        if dataset.attrs.get(PACKED, False):
            return _from_bfloat16_bits(dataset[()]), attributes
        return dataset[()], attributes

    with h5py.File(source, "r") as read:
        if not any(array.attrs.get(PACKED, False) for array in arrays(read)):
            raise ValueError(f"{source} is not a packed checkpoint (nothing in it was packed): use it as it is.")
        with h5py.File(target, "w") as write:
            _copy(read, write, convert)


def arrays(group):
    """Every dataset (array) under an HDF5 group or file, in HDF5's own order."""
    found = []
    group.visititems(lambda name, item: found.append(item) if isinstance(item, h5py.Dataset) else None)
    return found
