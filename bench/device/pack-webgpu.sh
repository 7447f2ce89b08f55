#!/bin/sh
# Packs what `bench/webgpu-speed.ts` needs on a GPU machine that has no
# Node.js and no registry (the `device` machines): this machine's Node
# binary, the built benchmark and library code, the packages they load
# (each pruned to its Node bundle; Dawn's linux-x64 binary only) and the
# Python reference, as .devpack/wsol-webgpu.tar.xz; and Debian's Vulkan/EGL
# loaders as .deb files in .devpack/gl (the GPU image has the NVIDIA driver
# but may lack the loaders). .devpack is git-ignored; carry it.
#
#   sh bench/device/pack-webgpu.sh && sh bench/device/rehearse-webgpu.sh
set -eu
cd "$(dirname "$0")/../.."
npm run build >/dev/null
out=.devpack
rm -rf "$out/tree" "$out/wsol-webgpu.tar.xz"
mkdir -p "$out/tree/node_modules/@tensorflow" "$out/tree/bench" "$out/gl"
cp "$(command -v node)" "$out/tree/node"
cp package.json "$out/tree/"
cp bench/pytorch_gpu_reference.py bench/pytorch_reference.py "$out/tree/bench/"
# The built code without the tests (and without source maps).
mkdir -p "$out/tree/dist"
cp -r dist/src dist/bench "$out/tree/dist/"
find "$out/tree/dist" -name '*.map' -delete -o -name '*.d.ts' -delete
for pkg in tfjs-core tfjs-backend-cpu tfjs-backend-webgpu tfjs-layers; do
  src=node_modules/@tensorflow/$pkg
  dst=$out/tree/node_modules/@tensorflow/$pkg
  mkdir -p "$dst/dist"
  cp "$src/package.json" "$dst/"
  main=$(node -p "require('./$src/package.json').main")
  cp "$src/$main" "$dst/$main"
done
# CommonJS dependencies of those bundles.
for dep in seedrandom long; do
  [ -d "node_modules/$dep" ] && cp -r "node_modules/$dep" "$out/tree/node_modules/"
done
mkdir -p "$out/tree/node_modules/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$out/tree/node_modules/webgpu/"
cp node_modules/webgpu/dist/linux-x64/dawn.node "$out/tree/node_modules/webgpu/dist/linux-x64/"
tar -C "$out" -cf - tree | xz -T2 -6 > "$out/wsol-webgpu.tar.xz"
rm -rf "$out/tree"
# The loaders, as the device README describes (amd64 packages from Debian).
if [ -z "$(ls "$out/gl" 2>/dev/null)" ]; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  # shellcheck disable=SC2086
  apt-get $o update >/dev/null && (cd "$out/gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2 >/dev/null)
fi
du -sh "$out"/wsol-webgpu.tar.xz "$out"/gl
