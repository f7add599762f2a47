"""E-mail: MIME decoding and reply trimming (sending and receiving are added beside them)."""

from mail.trim import trim_reply

__all__ = ["trim_reply"]
