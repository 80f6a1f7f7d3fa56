#!/bin/sh
# After the files are gone: .deb postrm and .rpm %postun. Lets a running
# systemd forget the units. The agentbill user, /var/lib/agentbill (the lake
# and the reports) and /etc/agentbill/mail.env stay: remove them by hand.
set -e

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
