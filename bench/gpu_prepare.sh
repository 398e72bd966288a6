#!/usr/bin/env bash
# Prepares, on this (Debian 12, networked) machine, what bench/gpu_check.sh
# needs on a GPU host that reaches no registry: .gpu-carry/ (git-ignored),
# about 50 MB:
#   deps/  the Debian packages getps builds against (../shared/offline-deps/
#          fetch.sh's, plus HDF5, cpp-httplib, xxHash, nlohmann-json and
#          pkgconf with what they need beyond a base system) and env.sh
#   data/  a copy of ../shared/data (the real chr1 input of the scan check)
# Then, with the device tool: run `bash bench/gpu_check.sh` with carry
# [".gpu-carry"].
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${GETPS_SHARED:-$root/../shared}
out=$root/.gpu-carry
rm -rf "$out"
mkdir -p "$out/deps"
bash "$shared/offline-deps/fetch.sh" "$out/deps" >/dev/null
cp "$shared/offline-deps/env.sh" "$out/deps/"
# What the rest pulls in, less what every build host has (the C and C++
# runtimes, TLS: unpacked beside the host's own they would shadow them
# through LD_LIBRARY_PATH).
extra="libhtscodecs2 libhdf5-dev libcpp-httplib-dev libxxhash-dev nlohmann-json3-dev pkgconf zlib1g-dev"
mapfile -t wanted < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances $extra | grep -v '^ ' | grep -v '^<' | sort -u)
keep=()
for p in "${wanted[@]}"; do
  case "$p" in
    # the C and C++ runtimes and the toolchain's own (the host's must win)
    libc6 | libc6-dev | libc-dev-bin | linux-libc-dev | libstdc++6 | libgcc-s1 | gcc-*-base) continue ;;
    libcrypt1 | libcrypt-dev | libnsl* | libtirpc* | rpcsvc-proto | libquadmath0 | libffi8) continue ;;
    # TLS and the curl variants libhdf5's libcurl4 does not use
    libssl3 | libgnutls30 | libnss3 | libnspr4 | nss-plugin-pem | libcurl3-*) continue ;;
    libsqlite3-0 | libdb5.3 | libgmp10 | libp11-kit0 | libtasn1-6 | libhogweed6 | libnettle8) continue ;;
    *-doc | *fortran* | libjpeg* | libcurl*-dev | libssl-dev | hdf5-helpers) continue ;;
  esac
  ls "$out/deps/${p}_"*.deb >/dev/null 2>&1 || keep+=("$p")
done
(cd "$out/deps" && apt-get download "${keep[@]}" >/dev/null)
cp -r "$shared/data" "$out/data"
echo "gpu_prepare: $(ls "$out/deps"/*.deb | wc -l) packages, $(du -sh "$out" | cut -f1) in $out"
