#!/bin/sh
# Builds podlab_<version>_<arch>.deb from the release build (static Swift standard library) and the offline
# images, and prints its path as the last line. Run by `make deb`, which builds what it needs first.
#   usr/bin/podlab                     the engine and CLI (podman/docker by argv[0])
#   usr/lib/podlab/podlab-{net,tutor}  the registry side and the guided shell
#   usr/lib/podlab/bin/{podman,docker} links for `export PATH="$(podlab shell-path):$PATH"`
#   usr/share/podlab/{lessons,fixtures,apparmor}
set -eu
cd "$(dirname "$0")/.."
version=$(sed -n 's/.*static let podlab = "\(.*\)"/\1/p' Sources/PodlabCore/Versions.swift)
[ -n "$version" ] || { echo "make-deb: no podlab version found in Sources/PodlabCore/Versions.swift" >&2; exit 1; }
arch=$(dpkg --print-architecture)
out=.build/deb
stage="$out/podlab_${version}_${arch}"
release=.build/release
for binary in podlab podlab-net podlab-tutor podlab-kube; do
  [ -x "$release/$binary" ] || { echo "missing $release/$binary: run 'make deb'" >&2; exit 1; }
done
[ -f .build/fixtures/oci/index.json ] || { echo "missing the offline images: run 'make deb'" >&2; exit 1; }

# Only this build's package stays: `cp .build/deb/podlab_*.deb` (docs/CLASSROOM.md) must not pick up an old version.
rm -rf "$out"/podlab_*
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/lib/podlab/bin" "$stage/usr/share/podlab/apparmor" \
  "$stage/usr/share/man/man1" "$stage/usr/share/doc/podlab" "$stage/usr/share/bash-completion/completions" \
  "$stage/usr/share/zsh/vendor-completions" "$stage/usr/share/fish/vendor_completions.d"

install -m 0755 "$release/podlab" "$stage/usr/bin/podlab"
install -m 0755 "$release/podlab-net" "$release/podlab-tutor" "$release/podlab-kube" "$stage/usr/lib/podlab/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/podlab" \
  "$stage/usr/lib/podlab/podlab-net" "$stage/usr/lib/podlab/podlab-tutor" "$stage/usr/lib/podlab/podlab-kube"
ln -s ../../../bin/podlab "$stage/usr/lib/podlab/bin/podman"
ln -s ../../../bin/podlab "$stage/usr/lib/podlab/bin/docker"
cp -r lessons "$stage/usr/share/podlab/lessons"
cp -r .build/fixtures/oci "$stage/usr/share/podlab/fixtures"
install -m 0644 packaging/apparmor-podlab "$stage/usr/share/podlab/apparmor/podlab"
gzip -9n < packaging/podlab.1 > "$stage/usr/share/man/man1/podlab.1.gz"
gzip -9n < CHANGELOG.md > "$stage/usr/share/doc/podlab/CHANGELOG.md.gz"
# A native package's changelog, in Debian's format, dated by the last commit (the same input, the same bytes).
when=$(git log -1 --format=%aD 2>/dev/null || date -R)
printf 'podlab (%s) unstable; urgency=medium\n\n  * Built from the podlab source tree; what changed is in CHANGELOG.md.gz.\n\n -- podlab developers <podlab@lists.debian.invalid>  %s\n' \
  "$version" "$when" | gzip -9n > "$stage/usr/share/doc/podlab/changelog.gz"
mkdir -p "$stage/usr/share/lintian/overrides"
install -m 0644 packaging/debian/lintian-overrides "$stage/usr/share/lintian/overrides/podlab"
install -m 0644 README.md "$stage/usr/share/doc/podlab/README.md"
install -m 0644 packaging/debian/copyright "$stage/usr/share/doc/podlab/copyright"
"$release/podlab-net" --generate-completion-script bash | sed '1{/^#!/d}' > "$stage/usr/share/bash-completion/completions/podlab"
"$release/podlab-net" --generate-completion-script zsh > "$stage/usr/share/zsh/vendor-completions/_podlab"
"$release/podlab-net" --generate-completion-script fish > "$stage/usr/share/fish/vendor_completions.d/podlab.fish"
install -m 0755 packaging/debian/postinst packaging/debian/postrm "$stage/DEBIAN/"
find "$stage/usr" -type d -exec chmod 0755 {} +
find "$stage/usr/share" -type f -exec chmod 0644 {} +

# Depends: the shared libraries the binaries really load, by their package names (dpkg-shlibdeps reads them
# from this system's shlibs and symbols files).
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/debian"
printf 'Source: podlab\n\nPackage: podlab\nArchitecture: any\n' > "$scratch/debian/control"
here=$(pwd)
depends=$(cd "$scratch" && dpkg-shlibdeps -O -e"$here/$stage/usr/bin/podlab" -e"$here/$stage/usr/lib/podlab/podlab-net" \
  -e"$here/$stage/usr/lib/podlab/podlab-tutor" -e"$here/$stage/usr/lib/podlab/podlab-kube" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
# libarchive is loaded on first use (dlopen, Sources/CArchive/lazy.c), so dpkg-shlibdeps cannot see it.
case "$depends" in *libarchive13*) ;; *) depends="$depends, libarchive13 (>= 3.3)" ;; esac
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)

cat > "$stage/DEBIAN/control" <<CONTROL
Package: podlab
Version: $version
Architecture: $arch
Maintainer: podlab developers <podlab@lists.debian.invalid>
Installed-Size: $size
Depends: $depends
Recommends: uidmap
Section: admin
Priority: optional
Homepage: https://podlab.invalid/
Description: container tutorial that runs containers for real
 podlab is a guided shell, in Chinese and English, that teaches the Podman
 tutorial one lesson at a time. Every command a learner types runs in
 podlab's own engine: rootless containers (namespaces, seccomp,
 capabilities), an OCI image store, a Containerfile builder and a registry
 client and server, with offline images so that no network is needed.
 .
 The same engine answers podman's commands with podman 4.3.1's output, and
 'podlab check' grades lessons for a class. 'podlab doctor' says what the
 machine allows and how to fix what it does not.
CONTROL
(cd "$stage" && find usr -type f -exec md5sum {} + | sort -k2 > DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$out/podlab_${version}_${arch}.deb" >&2
echo "$here/$out/podlab_${version}_${arch}.deb"
