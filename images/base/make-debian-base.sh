#!/usr/bin/env bash
# Make a Debian bookworm base image from Debian's packages alone, for machines that reach a Debian
# package mirror but no container registry.
#
# The result is a `debootstrap --variant=minbase` root file system of bookworm, imported into the
# engine and tagged `debian:bookworm-slim`: the tag the default nodeos recipe builds FROM. On a machine
# with a registry you do not need this script; the build pulls the official image instead.
#
#   images/base/make-debian-base.sh            # tag debian:bookworm-slim, skip if it exists
#   images/base/make-debian-base.sh --force    # rebuild even if the tag exists
#
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), BASE_TAG (default
# debian:bookworm-slim), SUITE (default bookworm). Needs root (debootstrap) and a Docker engine.
set -euo pipefail

tag="${BASE_TAG:-debian:bookworm-slim}"
suite="${SUITE:-bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force=0
[ "${1:-}" = "--force" ] && force=1

if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "base image $tag already present"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "installing debootstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

echo "debootstrap $suite from $mirror (this takes a minute or two)" >&2
debootstrap --variant=minbase "$suite" "$root" "$mirror" >/dev/null

# Trim what a container never uses, as the official slim image does.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
# The build's apt-get needs a sources list; debootstrap writes one naming the mirror it used.
echo "deb $mirror $suite main" >"$root/etc/apt/sources.list"

tar -C "$root" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$tag" >/dev/null
echo "imported $tag"
