#!/usr/bin/env python3
"""Convert the Fashion-MNIST images of the npm package "fashion-mnist" (1.1.0) to IDX files.

Input: the package's src/clothes/0.json ... 9.json, one file per class. File N.json holds
{"data": [image, image, ...]} where every image is a list of 784 integers in 0..255, the 28x28
pixels in row-major order (upright, like the original), and N is the Fashion-MNIST label
(0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag,
9 Ankle boot). (The package README says the pixels are floats in [0, 1]; they are not.)

The package holds 70,002 entries: the 70,000 Fashion-MNIST images, 7,000 per class, plus two
empty lists in 0.json (at positions 1000 and 7001) that are not images. Empty entries are
skipped. The package does not record the official train/test split, so this script makes its
own, deterministic one:

  SPLIT RULE: within each class, keep the package order; the first 6,000 images of the class go
  to the training set and the last 1,000 to the test set. In both files the classes are
  interleaved round-robin: image k of a file is image k // 10 of class k % 10 within that file's
  share, so labels run 0,1,...,9,0,1,... and every prefix of a file is class-balanced (which
  keeps `limit_train` / `limit_test` runs balanced).

Output, in the output directory: train-images-idx3-ubyte (60,000 x 28 x 28),
train-labels-idx1-ubyte, t10k-images-idx3-ubyte (10,000 x 28 x 28), t10k-labels-idx1-ubyte,
in the IDX format of the MNIST distribution. Files are written under a temporary name and
renamed, so an interrupted run never leaves a complete-looking but partial file.

Uses only the Python standard library.
"""

import argparse
import gzip
import json
import os
import struct
import sys

CLASSES = 10
ROWS = COLS = 28
PIXELS = ROWS * COLS
PER_CLASS = 7000
TEST_PER_CLASS = 1000
TRAIN_PER_CLASS = PER_CLASS - TEST_PER_CLASS

SPLIT_RULE = (
    f"within each class, package order; first {TRAIN_PER_CLASS} images -> train, last "
    f"{TEST_PER_CLASS} -> test; classes interleaved round-robin (labels 0,1,...,9,0,1,...)"
)


def fail(message):
    sys.exit(f"fashion_json_to_idx.py: error: {message}")


def open_maybe_gzip(path):
    return gzip.open(path, "rt") if path.endswith(".gz") else open(path, "r")


def find_class_file(clothes_dir, label):
    for name in (f"{label}.json", f"{label}.json.gz"):
        path = os.path.join(clothes_dir, name)
        if os.path.isfile(path):
            return path
    fail(f"{os.path.join(clothes_dir, f'{label}.json')}: file not found")


def read_class(clothes_dir, label):
    """The images of one class as a list of 784-byte `bytes`, in package order."""
    path = find_class_file(clothes_dir, label)
    with open_maybe_gzip(path) as f:
        try:
            doc = json.load(f)
        except json.JSONDecodeError as e:
            fail(f"{path}: not valid JSON ({e})")
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        fail(f'{path}: expected an object with a "data" list')
    images, empty = [], 0
    for i, entry in enumerate(doc["data"]):
        if not isinstance(entry, list):
            fail(f"{path}: entry {i} is not a list")
        if len(entry) == 0:
            empty += 1
            continue
        if len(entry) != PIXELS:
            fail(f"{path}: entry {i} has {len(entry)} values, expected {PIXELS}")
        try:
            images.append(bytes(entry))  # raises unless every value is an int in 0..255
        except (TypeError, ValueError):
            fail(f"{path}: entry {i} has values that are not integers in 0..255")
    if len(images) != PER_CLASS:
        fail(f"{path}: {len(images)} images, expected {PER_CLASS}; the split rule assumes "
             f"the fashion-mnist 1.1.0 package")
    print(f"  class {label}: {path}: {len(images)} images"
          + (f" (+{empty} empty entries skipped)" if empty else ""))
    return images


def interleave(per_class):
    """Round-robin over classes: [(label, image)] with labels 0,1,...,9,0,1,..."""
    count = len(per_class[0])
    return [(c, per_class[c][k]) for k in range(count) for c in range(CLASSES)]


def write_atomically(path, chunks):
    tmp = path + ".partial"
    with open(tmp, "wb") as f:
        for chunk in chunks:
            f.write(chunk)
    os.replace(tmp, path)


def write_split(out_dir, prefix, samples):
    images = os.path.join(out_dir, f"{prefix}-images-idx3-ubyte")
    labels = os.path.join(out_dir, f"{prefix}-labels-idx1-ubyte")
    header = struct.pack(">IIII", 0x00000803, len(samples), ROWS, COLS)
    write_atomically(images, [header] + [image for _, image in samples])
    write_atomically(labels, [struct.pack(">II", 0x00000801, len(samples)),
                              bytes(label for label, _ in samples)])
    print(f"  wrote {images} and {labels} ({len(samples)} images)")


def main():
    parser = argparse.ArgumentParser(
        description="Convert the fashion-mnist npm package's JSON files to IDX files.",
        epilog="Split rule: " + SPLIT_RULE)
    parser.add_argument("clothes_dir", help="the package's src/clothes directory (0.json..9.json)")
    parser.add_argument("out_dir", help="where to write the four IDX files")
    args = parser.parse_args()

    print(f"Fashion-MNIST: converting {args.clothes_dir} to IDX in {args.out_dir}")
    print(f"  split rule: {SPLIT_RULE}")
    train, test = [], []
    for label in range(CLASSES):
        images = read_class(args.clothes_dir, label)
        train.append(images[:TRAIN_PER_CLASS])
        test.append(images[TRAIN_PER_CLASS:])
    os.makedirs(args.out_dir, exist_ok=True)
    write_split(args.out_dir, "train", interleave(train))
    write_split(args.out_dir, "t10k", interleave(test))


if __name__ == "__main__":
    main()
