#!/usr/bin/env bash
# Runs a Python test file with $GETPS_PYTHON; exits 77 (ctest: skipped) when
# no such interpreter with NumPy is configured.
set -u
if [ -z "${GETPS_PYTHON:-}" ] || ! "$GETPS_PYTHON" -c 'import numpy' 2>/dev/null; then
  echo "skipped: no Python with NumPy configured (GETPS_PYTHON='${GETPS_PYTHON:-}'); run launch/test.sh"
  exit 77
fi
exec "$GETPS_PYTHON" "$@"
