#!/bin/sh
# deps.sh [all|runtime|build|package|test] - install the Debian packages one
# use of authalign needs. Idempotent; run as root; brings make itself.
#   runtime  what a mail server running the installed plugin needs (the
#            exim4-authalign package pulls these in by itself)
#   build    compile the plugin and the tool (make, make install)
#   package  build and check the .deb (dpkg-buildpackage, lintian)
#   test     make check, make demo, make sanitize, make fuzz, the fresh-install test
#   all      everything above (the default; .ci/run and `make deps` use it)
# `sh deps.sh list runtime` prints a list without installing it.
set -eu
RUNTIME="exim4-daemon-heavy publicsuffix
libspf2-2 libopendkim11 libopendmarc2 libpsl5 libidn2-0 libssl3 libsqlite3-0 libpq5"
BUILD="make gcc libc6-dev pkg-config exim4-dev python3
libspf2-dev libopendkim-dev libopendmarc-dev libpsl-dev libidn2-dev libssl-dev
libsqlite3-dev libpq-dev"
PACKAGE="$BUILD build-essential dpkg-dev debhelper fakeroot lintian man-db check"
TEST="$RUNTIME $PACKAGE check git
knot knot-dnsutils postgresql
swaks libio-socket-inet6-perl iproute2 util-linux procps python3-dkim python3-yaml
openssl valgrind debootstrap
clang libclang-rt-14-dev"

list() {
	case "$1" in
	runtime) echo $RUNTIME ;;
	build) echo $BUILD ;;
	package) echo $PACKAGE ;;
	test|all) echo $TEST ;;
	*) echo "deps.sh: unknown list '$1' (lists: runtime build package test all)" >&2; exit 1 ;;
	esac
}

if [ "${1:-}" = list ]; then
	list "${2:-all}" | tr ' ' '\n' | sort -u
	exit 0
fi
pkgs=$(list "${1:-all}")
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
# Debian may start the exim4, knot and postgresql services it installs; the
# tests never use them (they run their own: Exim and Knot inside a private
# network namespace, PostgreSQL on a socket in a temporary directory).
echo "deps: all packages of '${1:-all}' present"
