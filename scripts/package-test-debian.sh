#!/bin/sh
# Installs podlab's package into a clean Debian 12 root file system made here with debootstrap (apt resolving its
# Depends from Debian's archive), then, as a new unprivileged user in it, runs hello-world and grades the
# hello-world lesson's solution. The root is entered with pivot_root in a private mount namespace, not chroot
# (the kernel refuses user namespaces to a chrooted process).
#   scripts/package-test-debian.sh PACKAGE.deb SOLUTION.sh WORKDIR
# Exit status 0 when both passed; 77 when this machine cannot build the root (no debootstrap or no archive).
set -eu
deb=$1 solution=$2 work=$3
mirror=${PODLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root="$work/bookworm"
command -v debootstrap >/dev/null 2>&1 || { echo "SKIP: debootstrap is not installed (apt install debootstrap)"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: making a Debian root needs root"; exit 77; }
rm -rf "$root"
mkdir -p "$root"
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1; then
  echo "SKIP: debootstrap could not reach $mirror (see $work/debootstrap.log)"; tail -3 "$work/debootstrap.log"; exit 77
fi
cp "$deb" "$root/tmp/podlab.deb"
cp "$solution" "$root/tmp/solution.sh"
cp /etc/resolv.conf "$root/etc/resolv.conf"
chmod 0755 "$root/tmp/solution.sh"
cat > "$root/tmp/inside.sh" <<'INSIDE'
set -eu
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
apt-get update -qq
apt-get install -y -qq /tmp/podlab.deb > /tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
dpkg-query -W -f='${Status} ${Version}\n' podlab uidmap
useradd --create-home --shell /bin/sh learner
grep '^learner:' /etc/subuid
runuser -u learner -- sh -c 'cd && podlab podman run --rm docker.io/library/hello-world:latest'
runuser -u learner -- sh -c 'cd && podlab check --lesson hello-world --run /tmp/solution.sh'
INSIDE
unshare --mount --propagation private sh -eu -c '
  root=$1
  mount --bind "$root" "$root"
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  cd "$root"
  mkdir -p .oldroot
  pivot_root . .oldroot
  umount -l /.oldroot
  rmdir /.oldroot
  exec /bin/sh /tmp/inside.sh
' sh "$root"
