#!/bin/sh
# Rehearses the device run here, on the software adapter: unpacks
# .devpack into a scratch directory outside the repository (so nothing
# resolves from this checkout's node_modules) and runs the benchmark's
# smallest configuration. A failure here is a missing file in the pack.
set -eu
cd "$(dirname "$0")/../.."
scratch=$(mktemp -d)
mkdir -p "$scratch/bench/device"
cp bench/device/run-webgpu.sh "$scratch/bench/device/"
cp -r .devpack "$scratch/.devpack"
rm -rf "$scratch/.devpack/gl" # do not unpack Debian's loaders over this machine
# ResNet-50 at 32 px, batch 2: every kernel of the 128-px run compiles and runs, in minutes instead of an hour on llvmpipe.
OUT="$scratch/out" sh "$scratch/bench/device/run-webgpu.sh" --runs 1 --steps 1 --models reference,resnet50 --resnet-size 32 --resnet-batch 2
