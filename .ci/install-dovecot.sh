#!/usr/bin/env bash
# Installs Dovecot for the IMAP tests (they start their own instance on free loopback ports).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/sbin/dovecot ]; then
  apt-get update -qq
  apt-get install -y -qq dovecot-imapd openssl >/dev/null
fi
# The package's own service is not wanted: nothing of ours listens on 143/993.
service dovecot stop >/dev/null 2>&1 || true
pkill -x dovecot >/dev/null 2>&1 || true
