#!/usr/bin/env bash
# Installs what getps needs and is missing; safe to re-run (a no-op when all
# is present). Two parts:
#   1. Debian packages (compiler, CMake, RocksDB, ZeroMQ, htslib, Boost,
#      GoogleTest, OpenMPI, ...) through apt-get, pinned in launch/versions.sh.
#   2. A Python environment carrying the pinned `torch` wheel (its bundled
#      LibTorch C++ library and CMake config serve the C++ build) plus NumPy
#      and SciPy for test oracles. It lives in a per-user cache outside the
#      clone, keyed by the pinned versions, so every clone reuses it:
#        ${GETPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/getps}/py<python>-torch-<ver>
# Prints `GETPS_PYENV=<dir>` as its last line. A user's own Torch_DIR is
# honoured by the CMake build; the environment is still made for the tests.
#
# Options: --no-python  skip part 2 (only the C++ dependencies).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.sh
. "$here/versions.sh"

want_python=1
for a in "$@"; do
  case "$a" in
    --no-python) want_python=0 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$a' (see --help)" >&2; exit 2 ;;
  esac
done

log() { printf '[setup] %s\n' "$*" >&2; }

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# ---- 1. Debian packages ------------------------------------------------------
missing=()
for spec in "${GETPS_APT_PACKAGES[@]}"; do
  name=${spec%%=*}
  if ! dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$spec")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${#missing[@]} Debian package(s): ${missing[*]%%=*}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  # Pinned versions first; fall back, package by package, to the archive's
  # current version when a point release has replaced the pinned one.
  if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    for spec in "${missing[@]}"; do
      if ! "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$spec" >/dev/null 2>&1; then
        log "warning: $spec is not served any more; installing the current ${spec%%=*}"
        "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${spec%%=*}" >/dev/null
      fi
    done
  fi
else
  log "Debian packages: all present"
fi

[ "$want_python" -eq 1 ] || exit 0

# ---- 2. Python environment with the torch wheel -------------------------------
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
cache=${GETPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/getps}
env_dir="$cache/py${pyver}-torch-${GETPS_TORCH_VERSION}"
# The stamp names the exact package list: changing a pin (other than torch,
# which names the directory) installs the difference into the same env.
stamp="$env_dir/.complete-$(printf '%s\n' "${GETPS_PY_PACKAGES[@]}" | sha256sum | cut -c1-12)"
mkdir -p "$cache"
# One installer at a time per cache (parallel clones, CI beside a developer).
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$stamp" ]; then
  if [ ! -x "$env_dir/bin/pip" ]; then
    log "creating $env_dir (torch ${GETPS_TORCH_VERSION}: a few GB, once per machine)"
    rm -rf "$env_dir"
    "$py" -m venv "$env_dir"
    "$env_dir/bin/pip" install -q --upgrade pip==25.3
  fi
  log "installing the pinned Python packages into $env_dir"
  "$env_dir/bin/pip" install -q --progress-bar off "${GETPS_PY_PACKAGES[@]}"
  rm -f "$env_dir"/.complete-*
  touch "$stamp"
else
  log "Python environment: $env_dir (cached)"
fi
flock -u 9
echo "GETPS_PYENV=$env_dir"
