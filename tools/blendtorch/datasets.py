# SPDX-License-Identifier: GPL-3.0-or-later
"""Offline data sets for the training recipes, as uint8 images (N, 1, H, W) and int64 labels.

  fashion-mnist  Debian package dataset-fashion-mnist: IDX files under
                 /usr/share/datasets/fashion-mnist/ (60 000 train / 10 000 test, 28x28)
  digits         python3-sklearn's 8x8 digits (1 797 images, values 0..16 -> 0..255),
                 split into train / test by a seeded permutation

Nothing is downloaded: a missing package is a DatasetError naming the package to install.
"""

import gzip
import os

import numpy as np

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                        "Shirt", "Sneaker", "Bag", "Ankle boot"]
DIGITS_LABELS = [str(d) for d in range(10)]


class DatasetError(RuntimeError):
    pass


def _read_idx(path, ndim):
    """An IDX file (gzip'ed): big-endian magic 0x00000800 | ndim, then ndim u32 sizes, u8 data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic != 0x800 | ndim:
        raise DatasetError(f"{path}: not a {ndim}-d uint8 IDX file (magic {magic:#x})")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DatasetError(f"{path}: {data.size} bytes of data for shape {dims}")
    return data.reshape(dims)


def fashion_mnist(split, root=FASHION_MNIST_DIR):
    """(images uint8 (N, 1, 28, 28), labels int64 (N,)); split 'train' or 't10k'/'test'."""
    prefix = {"train": "train", "test": "t10k", "t10k": "t10k"}.get(split)
    if prefix is None:
        raise DatasetError(f"unknown Fashion-MNIST split {split!r} (train or test)")
    img = os.path.join(root, f"{prefix}-images-idx3-ubyte.gz")
    lab = os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz")
    for p in (img, lab):
        if not os.path.exists(p):
            raise DatasetError(f"{p} is missing: install the Debian package dataset-fashion-mnist "
                               f"(apt install dataset-fashion-mnist)")
    x = _read_idx(img, 3)
    y = _read_idx(lab, 1)
    if len(x) != len(y):
        raise DatasetError(f"Fashion-MNIST {split}: {len(x)} images but {len(y)} labels")
    return np.ascontiguousarray(x[:, None]), y.astype(np.int64)


def digits(split, seed=0, test_fraction=0.25):
    """sklearn's 8x8 digits as uint8 (N, 1, 8, 8) (0..16 scaled to 0..255) and labels;
    'train' and 'test' are disjoint parts of one seeded permutation."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise DatasetError("the digits set needs python3-sklearn (apt install python3-sklearn)") from e
    d = load_digits()
    x = np.clip(np.rint(d.images * (255.0 / 16.0)), 0, 255).astype(np.uint8)[:, None]
    y = d.target.astype(np.int64)
    perm = np.random.RandomState(seed).permutation(len(y))
    n_test = int(round(len(y) * test_fraction))
    idx = {"test": perm[:n_test], "train": perm[n_test:]}.get(split)
    if idx is None:
        raise DatasetError(f"unknown digits split {split!r} (train or test)")
    return np.ascontiguousarray(x[idx]), y[idx]


DATASETS = {
    "fashion-mnist": (fashion_mnist, FASHION_MNIST_LABELS),
    "digits": (digits, DIGITS_LABELS),
}


def load(name, split):
    if name not in DATASETS:
        raise DatasetError(f"unknown data set {name!r} (known: {', '.join(DATASETS)})")
    return DATASETS[name][0](split)


def labels(name):
    return list(DATASETS[name][1])
