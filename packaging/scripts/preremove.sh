#!/bin/sh
# Before the files go: .deb prerm ("remove" or "upgrade") and .rpm %preun
# (0 removal, 1 upgrade). On removal only, stops and disables the units the
# package ships; an upgrade leaves them as they are.
set -e

case "$1" in
remove | 0) ;;
*) exit 0 ;;
esac

units="agentbill-run@nightly.timer agentbill-schedule.service"
if [ -d /run/systemd/system ]; then
	# shellcheck disable=SC2086
	systemctl stop $units 'agentbill-run@*.service' >/dev/null 2>&1 || true
fi
if command -v systemctl >/dev/null 2>&1; then
	# shellcheck disable=SC2086
	systemctl --no-reload disable $units >/dev/null 2>&1 || true
fi
exit 0
