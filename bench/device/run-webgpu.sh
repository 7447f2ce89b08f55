#!/bin/sh
# Runs the webgpu benchmark from .devpack (pack-webgpu.sh) on a machine
# without Node.js: unpacks the loaders and the tree, points Vulkan at the
# NVIDIA driver when it is mounted, and writes the benchmark's section to
# $OUT/webgpu.md (and its log to $OUT/webgpu.log). Arguments go to the
# benchmark (default: --runs 3 --steps 10).
#
# On the device: run(command="sh bench/device/run-webgpu.sh", carry=[".devpack"])
set -eu
cd "$(dirname "$0")/../.."
pack=$(pwd)/.devpack
out=${OUT:-/tmp/webgpu-out}
mkdir -p "$out"
if [ "$(id -u)" = 0 ] && [ -d "$pack/gl" ]; then
  for f in "$pack"/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
nv=/usr/local/nvidia/share
[ -f "$nv/vulkan/icd.d/nvidia_icd.json" ] && export VK_DRIVER_FILES="${VK_DRIVER_FILES:-$nv/vulkan/icd.d/nvidia_icd.json}"
[ -f "$nv/glvnd/egl_vendor.d/10_nvidia.json" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="${__EGL_VENDOR_LIBRARY_FILENAMES:-$nv/glvnd/egl_vendor.d/10_nvidia.json}"
work=$(mktemp -d)
xz -dc "$pack/wsol-webgpu.tar.xz" | tar -C "$work" -xf -
cd "$work/tree"
command -v nvidia-smi >/dev/null && nvidia-smi -L | tee "$out/gpu.txt"
[ $# -gt 0 ] || set -- --runs 3 --steps 10
./node dist/bench/webgpu-speed.js --no-write "$@" > "$out/webgpu.md" 2> "$out/webgpu.log" || { cat "$out/webgpu.log"; exit 1; }
cat "$out/webgpu.md"
