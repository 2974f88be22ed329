#!/bin/sh
# Installs the Debian packages podlab needs that are missing (with sudo when not root), and makes sure
# apt's package lists exist (fixture images are built from `apt-get download`). Fast when all is there.
#   scripts/install-deps.sh          what building and running need
#   scripts/install-deps.sh test     also what the test suite uses (skopeo, uidmap, docker-registry, htpasswd, and
#                                    lintian and debootstrap for the package's tests)
#   scripts/install-deps.sh bench    also what the benchmarks use (hyperfine, podman, crun)
#   scripts/install-deps.sh package  also what `make deb` uses (dpkg-dev, lintian)
set -eu
packages="libarchive-dev libedit-dev libseccomp-dev libcrypt-dev pkg-config"
case "${1:-}" in
  test) packages="$packages skopeo uidmap docker-registry apache2-utils tmux strace dpkg-dev lintian binutils debootstrap chromium" ;;
  package) packages="$packages dpkg-dev lintian binutils" ;;
  bench) packages="$packages skopeo uidmap docker-registry apache2-utils hyperfine podman crun runc catatonit curl valgrind" ;;
esac

missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done

if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
lists_present() { ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; }

if [ -n "$missing" ] || ! lists_present; then
  if [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
    echo "podlab needs these Debian packages:$missing" >&2
    echo "Install them as root: apt-get update && apt-get install -y$missing" >&2
    exit 1
  fi
  echo "podlab: apt-get update" >&2
  $sudo apt-get update -qq
fi
if [ -n "$missing" ]; then
  echo "podlab: installing$missing" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null
fi
