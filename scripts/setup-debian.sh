#!/usr/bin/env bash
# Installs the Debian 12 packages sv_platform needs to build, test and demo.
# Idempotent: packages already present are left alone, and apt is not touched at all when
# nothing is missing. Run as root or through sudo.
set -euo pipefail

PACKAGES=(
  build-essential
  ca-certificates
  postgresql-15
  postgresql-server-dev-15
  postgresql-contrib
  postgresql-15-postgis-3
  postgresql-15-cron
  libcurl4-openssl-dev
  libipc-run-perl
  perl
  sudo
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup-debian: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup-debian: run as root (sudo is not installed)" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# The Debian postgresql-common package would create and start a default cluster on install;
# the project never uses it, so ask it not to (harmless when it is already installed).
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
