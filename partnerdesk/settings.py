"""The one typed settings object: environment variables and an optional settings file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_SMTP_SCHEMES = {"smtp", "smtp+starttls", "smtps"}
_IMAP_SCHEMES = {"imap", "imap+starttls", "imaps"}


class Settings(BaseSettings):
    """Endpoints and secrets; the group files hold everything about the groups themselves."""

    model_config = SettingsConfigDict(
        env_prefix="PARTNERDESK_",
        env_file=None,
        extra="ignore",
    )

    data_dir: Path = Field(default=Path("var"))
    database_url: str = ""
    # Group files and folders (a folder: every *.toml in it, sorted by name).
    groups: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    smtp_url: str = ""
    smtp_ca_file: Path | None = None
    smtp_max_connections: int = 2
    smtp_max_per_second: float | None = None
    imap_url: str = ""
    imap_ca_file: Path | None = None
    imap_processed_folder: str = "Processed"
    telegram_token: str = ""
    telegram_base_url: str = ""
    poll_seconds: float = 30.0
    reminder_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [5, 1])
    outbox_max_attempts: int = 8
    inbound_max_attempts: int = 3
    # A crash point for the fault-injection tests (after_store, after_send); empty in service.
    fault_point: str = ""
    # An outbox row left "sending" this long ago was cut off by a crash.
    sending_timeout_seconds: float = 600.0
    # An inbound message claimed this long ago by a process that has not finished reading it
    # is taken over by another (the first one died); reading it twice does no harm.
    reading_timeout_seconds: float = 300.0
    # How often a process without the Telegram poller lease tries to take it over.
    lease_retry_seconds: float = 5.0
    # The authserv-id of the municipality's own mail gateway; its Authentication-Results decide
    # whether a chair's "Godkendt" by e-mail is genuine. Empty: approval by e-mail is off.
    approval_authserv_id: str = ""
    # At most this many echoes to one sender per call within the window, and never twice to
    # the same words: an autoresponder that does not say it is one cannot start a storm.
    echo_limit: int = 5
    echo_window_minutes: float = 60.0
    # Partners' files sent on with the published agenda: only these types (by name and by
    # content), and no more than this many bytes per publication; the rest stay with the
    # secretariat.
    publish_attachment_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["pdf", "docx", "xlsx", "odt", "ods", "png", "jpg", "txt"]
    )
    publish_attachment_budget: int = 10_000_000
    # The bot's username for t.me links; asked of Telegram when empty.
    telegram_bot_username: str = ""
    # How long a Telegram link code can be used.
    telegram_code_days: int = 14
    # Telegram's limits: about 30 messages a second overall, one a second in one chat.
    telegram_per_second: float = 30.0
    telegram_per_chat_seconds: float = 1.0
    # Raw messages and their files are deleted this many days after they arrived; answers,
    # agendas and the audit log are kept.
    retention_days: float = 90.0

    @field_validator("groups", mode="before")
    @classmethod
    def _split_groups(cls, value: object) -> object:
        # Environment variables carry a list as "a.toml,b.toml" (or os.pathsep-separated).
        if isinstance(value, str):
            parts = value.replace(";", ",").replace(":", ",").split(",")
            return [p.strip() for p in parts if p.strip()]
        return value

    @field_validator("reminder_days", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(p) for p in value.strip("[]").split(",") if p.strip()]
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in _SMTP_SCHEMES:
            raise ValueError(
                "PARTNERDESK_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://"
            )
        return value

    @field_validator("imap_url")
    @classmethod
    def _check_imap(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in _IMAP_SCHEMES:
            raise ValueError(
                "PARTNERDESK_IMAP_URL must start with imap://, imap+starttls:// or imaps://"
            )
        return value

    @field_validator("publish_attachment_types", mode="before")
    @classmethod
    def _split_types(cls, value: object) -> object:
        # "pdf,docx" from the environment; ".PDF" and "pdf" are the same type.
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list):
            return [str(v).strip().lstrip(".").lower() for v in value if str(v).strip()]
        return value

    @property
    def effective_database_url(self) -> str:
        """The database URL; a SQLite file under the data folder when none is set."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'partnerdesk.sqlite3').resolve()}"

    @property
    def outbox_maildir(self) -> Path:
        """Where mail goes on the embedded default (no SMTP URL)."""
        return self.data_dir / "mail" / "outbox"

    @property
    def inbox_maildir(self) -> Path:
        """Where mail comes from on the embedded default (no IMAP URL)."""
        return self.data_dir / "mail" / "inbox"

    @property
    def attachments_dir(self) -> Path:
        """Where received attachments are kept under generated names."""
        return self.data_dir / "attachments"

    @property
    def published_dir(self) -> Path:
        """Where rendered agendas are written."""
        return self.data_dir / "agendas"


def load_settings(env_file: Path | None = None) -> Settings:
    """Build the settings once, from the environment and an optional KEY=VALUE file."""
    if env_file is not None:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    return Settings()
