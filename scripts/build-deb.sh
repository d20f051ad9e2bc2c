#!/usr/bin/env bash
# make deb: build the Debian package postgresql-15-sv-platform from debian/ with pg_buildext.
#   scripts/build-deb.sh [OUTDIR]      (default build/deb; prints the path of the .deb)
# Installs the packaging tools first (scripts/setup-debian.sh deb) unless SV_DEB_NO_SETUP is set.
# Builds in a temporary copy of the sources, so the working tree (and the objects it holds for
# another PostgreSQL tree) is left alone; the package is built for the system PostgreSQL
# (/usr/lib/postgresql/15), whatever PG_CONFIG says.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/build/deb}

[ -n "${SV_DEB_NO_SETUP:-}" ] || bash "$here/scripts/setup-debian.sh" deb
unset PG_CONFIG

tmp=$(mktemp -d /tmp/sv_deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
# (the built scripts at the top are left out by not naming them; extension/versions/ holds released ones)
tar -C "$here" -cf - --exclude='*.o' --exclude='*.so' --exclude='*.bc' \
    Makefile sv_platform.control src extension scripts/build-update.pl debian README.md docs | tar -C "$tmp/src" -xf -
(cd "$tmp/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 \
  || { cat "$tmp/build.log" >&2; echo "build-deb: dpkg-buildpackage failed" >&2; exit 1; }
mkdir -p "$out"
debs=("$tmp"/*.deb)
cp "${debs[@]}" "$out/"
for d in "${debs[@]}"; do echo "$out/$(basename "$d")"; done
