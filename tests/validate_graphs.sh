#!/usr/bin/env bash
# Every graph we ship validates against the built plugins: a renamed parameter or port in a
# node breaks this test, not a user's first run. train_*.toml are `mirflow train` files.
# Usage: validate_graphs.sh MIRFLOW_BINARY GRAPHS_DIR
set -u
mirflow=$1 dir=$2 failed=0 n=0
for g in "$dir"/*.toml; do
  case $(basename "$g") in train_*) continue ;; esac
  n=$((n + 1))
  if ! out=$("$mirflow" validate "$g" 2>&1); then
    echo "FAILED: $g"; echo "$out"; failed=1
  fi
done
echo "$n graphs checked"
[ "$n" -gt 0 ] && exit $failed
echo "no graphs found in $dir"; exit 1
