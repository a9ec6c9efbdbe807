#!/usr/bin/env bash
# Runs the Spark driver's tests (contrib/spark/tests) in local[2,2] mode.
#
# Creates a virtualenv with pyspark and pytest (reused when it is there:
# $SIGSCAN_SPARK_VENV, default target/spark-venv, which git ignores), makes
# sure Java 17+ is present (installs openjdk-17-jre-headless when run as root
# without one), builds the debug sigscan and sigscan-gen (tools/gen) binaries
# and runs pytest.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv="${SIGSCAN_SPARK_VENV:-target/spark-venv}"

java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local v
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
  [ -n "$v" ] && [ "$v" -ge 17 ]
}
if ! java_ok; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "contrib/spark/test.sh: installing openjdk-17-jre-headless"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq openjdk-17-jre-headless >/dev/null
  else
    echo "contrib/spark/test.sh: Java 17+ is needed (apt-get install openjdk-17-jre-headless)" >&2
    exit 1
  fi
fi
java -version 2>&1 | head -n1
# The tests' corpus holds a .zst file made with the zstd tool.
if ! command -v zstd >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq zstd >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq zstd >/dev/null; } || true
fi

if ! "$venv/bin/python" -c 'import pyspark, pytest' >/dev/null 2>&1; then
  if ! python3 -m venv "$venv"; then
    # Debian's system Python keeps venv in a separate package.
    [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check pyspark pytest
fi
venv="$(cd "$venv" && pwd)"
"$venv/bin/python" -c 'import pyspark; print("pyspark", pyspark.__version__)'

cargo build -q --bin sigscan --bin sigscan-gen
debug="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)"
export SIGSCAN_BIN="$debug/sigscan"
export SIGSCAN_GEN_BIN="$debug/sigscan-gen"
export PYSPARK_PYTHON="$venv/bin/python"
export PYSPARK_DRIVER_PYTHON="$venv/bin/python"

exec "$venv/bin/python" -m pytest -q -p no:cacheprovider contrib/spark/tests "$@"
