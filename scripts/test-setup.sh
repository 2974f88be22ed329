#!/bin/sh
# Prepares what the test suite needs beyond packages: when run as root, an unprivileged user
# (podlab-test) so that the rootless path is tested too. Idempotent.
set -eu
user=podlab-test
if [ "$(id -u)" -eq 0 ] && ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh "$user"
  echo "podlab: created the unprivileged test user $user" >&2
fi
