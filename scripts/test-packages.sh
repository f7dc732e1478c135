#!/usr/bin/env bash
# The Debian packages the tests drive as real processes, installed when missing:
# chromium (tests/test_site_browser.py), neovim (tests/test_authoring_tools.py) and a Java
# runtime for Apache Spark in local mode (tests/test_spark.py).
# PostgreSQL has its own script, which also starts it (scripts/postgres-for-tests.sh).
set -euo pipefail
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v nvim >/dev/null 2>&1 || missing+=(neovim)
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian's ${missing[*]} for the tests" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
