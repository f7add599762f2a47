#!/usr/bin/env bash
# Installs Dovecot for the IMAP tests; they start their own instance on free loopback ports,
# so the package's service is stopped and nothing of ours listens on 143/993.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/sbin/dovecot ] || ! command -v openssl >/dev/null; then
  apt-get update -qq
  apt-get install -y -qq dovecot-imapd openssl >/dev/null
fi
service dovecot stop >/dev/null 2>&1 || true
systemctl disable dovecot >/dev/null 2>&1 || true
# Without an init system the package may still have started its master: stop that one only,
# by its pid file, never the test instances (they keep their pid under their own base_dir).
pidfile=/run/dovecot/master.pid
if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  kill "$(cat "$pidfile")" || true
fi
/usr/sbin/dovecot --version
