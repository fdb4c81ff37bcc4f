#!/bin/sh
# Install every Debian package that the build, the tests and the demo need.
# Idempotent; run as root. Used by `make deps` and .ci/run.
set -eu
PKGS="build-essential pkg-config
exim4-daemon-heavy exim4-dev
libspf2-dev libopendkim-dev libopendmarc-dev libpsl-dev libidn2-dev publicsuffix libssl-dev
check
knot knot-dnsutils
swaks libio-socket-inet6-perl iproute2 util-linux procps python3-dkim
python3 python3-yaml
openssl valgrind
clang libclang-rt-14-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
# Debian may start the exim4 and knot services it installs; the tests never
# use them (they run their own inside a private network namespace).
echo "deps: all packages present"
