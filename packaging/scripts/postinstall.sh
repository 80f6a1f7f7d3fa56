#!/bin/sh
# After the files are in place, on install and upgrade: .deb postinst
# ("configure" [old-version]) and .rpm %post (1 install, 2 upgrade).
# Creates the agentbill user and its state directory, and tells a running
# systemd about the units. It enables and starts nothing.
set -e

upgrade=no
case "$1" in
configure)
	if [ -n "$2" ]; then upgrade=yes; fi
	;;
[0-9]*)
	if [ "$1" -ge 2 ]; then upgrade=yes; fi
	;;
esac

if ! getent passwd agentbill >/dev/null; then
	if command -v systemd-sysusers >/dev/null 2>&1; then
		systemd-sysusers /usr/lib/sysusers.d/agentbill.conf
	else
		if getent group agentbill >/dev/null; then
			group="--gid agentbill"
		else
			group="--user-group"
		fi
		# $group is two words or one option on purpose.
		# shellcheck disable=SC2086
		useradd --system $group --home-dir /var/lib/agentbill --no-create-home \
			--shell /usr/sbin/nologin --comment "agentbill billing" agentbill
	fi
fi

# The units' StateDirectory= makes it too; this is for commands run by hand
# as the user (runuser -u agentbill -- agentbill status).
if [ ! -d /var/lib/agentbill ]; then
	install -d -m 0750 -o agentbill -g agentbill /var/lib/agentbill
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	if [ "$upgrade" = yes ]; then
		# A running daemon goes on with the new binary; timers need nothing.
		systemctl try-restart agentbill-schedule.service >/dev/null 2>&1 || true
	fi
fi
exit 0
