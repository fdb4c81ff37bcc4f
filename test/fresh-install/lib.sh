# test/fresh-install/lib.sh - helpers shared by run and scenarios (sourced, bash).
# shellcheck shell=bash
#
# root_enter ROOT       in the caller's own private mount and UTS namespace:
#                       make ROOT a mount point, mount /proc, /dev and a fresh
#                       /run into it, and set the host name the root's
#                       /etc/hostname gives (as booting it would)
# in_root ROOT CMD...   run CMD chrooted into ROOT with a clean environment
#                       (the caller has called root_enter); "${ROOT_ENV[@]}"
#                       chroot ROOT CMD & does the same with CMD's PID in $!
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
in_root() {
	local r=$1
	shift
	"${ROOT_ENV[@]}" chroot "$r" "$@"
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
