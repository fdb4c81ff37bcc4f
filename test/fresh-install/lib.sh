# test/fresh-install/lib.sh - helpers shared by run and scenarios (sourced, bash).
# shellcheck shell=bash
#
# root_enter ROOT       in the caller's own private mount and UTS namespace:
#                       make ROOT a mount point, mount /proc, /dev and a fresh
#                       /run into it, and set the host name the root's
#                       /etc/hostname gives (as booting it would)
# in_root ROOT CMD...   run CMD chrooted into ROOT with a clean environment
#                       (the caller has called root_enter), 15 minutes at
#                       most; "${ROOT_ENV[@]}" chroot ROOT CMD & starts a
#                       daemon the same way, unbounded, with its PID in $!
# wait_for SECS WHAT CMD...  run CMD every 0.2 s until it succeeds, at most
#                       SECS seconds; else say WHAT and return 1

root_enter() {
	local r=$1
	mountpoint -q "$r" || mount --bind "$r" "$r"
	mount -t proc proc "$r/proc"
	mount --bind /dev "$r/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$r/run"
	hostname "$(cat "$r/etc/hostname")"
}

ROOT_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8
	DEBIAN_FRONTEND=noninteractive)
# apt inside the root goes through the same proxy as debootstrap did
[ -z "${http_proxy:-}" ] || ROOT_ENV+=("http_proxy=$http_proxy")
[ -z "${https_proxy:-}" ] || ROOT_ENV+=("https_proxy=$https_proxy")
in_root() {	# (bounded: 15 minutes at most, for apt-get on a slow mirror)
	local r=$1
	shift
	timeout 900 "${ROOT_ENV[@]}" chroot "$r" "$@"
}

wait_for() {
	local secs=$1 what=$2 i
	shift 2
	for ((i = 0; i < secs * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "fresh-install: $what (waited ${secs}s)" >&2
	return 1
}
