#!/usr/bin/env bash
# Installs the Debian 12 packages sv_platform needs to build, test and demo;
# `setup-debian.sh deb` also the tools that build the Debian package (scripts/build-deb.sh);
# `setup-debian.sh sqlsmith` also the random-SQL generator (scripts/sqlsmith.sh);
# `setup-debian.sh fuzz` clang and libFuzzer for `make fuzz` (scripts/fuzz.sh).
# nginx-light is the HTTP endpoint of bench/07_push.sh and t/005_push.pl (each runs its own
# nginx as an unprivileged process on a free port; the distribution's service is not used).
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
  postgresql-15-periods
  libcurl4-openssl-dev
  libssl-dev
  libipc-run-perl
  perl
  python3
  python3-lunardate
  faketime
  nginx-light
  chromium           # t/017_bulletin.pl renders the HTML bulletin (headless)
  poppler-utils      # pdftotext: the bulletin's PDF has its sections
  fonts-noto-cjk     # Chinese glyphs in the rendered bulletin
)
if [ "${1:-}" = deb ]; then
  PACKAGES+=(debhelper dpkg-dev fakeroot postgresql-server-dev-all)
fi
if [ "${1:-}" = sqlsmith ]; then
  PACKAGES+=(sqlsmith)
fi
if [ "${1:-}" = fuzz ]; then
  PACKAGES+=(clang-14 libclang-rt-14-dev libssl-dev)
fi

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
# (Debian's postgresql-common creates and starts a default cluster on port 5432 when it is
# first installed; the project never uses it and its throwaway clusters pick free ports.)
$SUDO apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
