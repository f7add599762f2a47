"""Real mail servers on loopback for the adapter tests: aiosmtpd in-process, Dovecot as a child."""
