"""Service configuration, read from environment variables and an optional `.env` file.

Every setting has a documented default that works for the embedded development set-up
(SQLite, no Redis). Outside development mode the service refuses to start with a default
secret (see `Settings.check_production_ready`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clinic import DEFAULTS as CLINIC_DEFAULTS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET = "dev-only-change-me"  # noqa: S105 - the known-bad value we refuse in production


class SettingsError(RuntimeError):
    """Configuration that must not be used; the message says how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "production"] = Field(
        "development", validation_alias="PHYSIO_ENV"
    )
    clinic_name: str = CLINIC_DEFAULTS["clinic_name"]
    clinic_phone: str = CLINIC_DEFAULTS["clinic_phone"]
    clinic_address: str = CLINIC_DEFAULTS["clinic_address"]
    clinic_hours: str = CLINIC_DEFAULTS["clinic_hours"]
    emergency_number: str = CLINIC_DEFAULTS["emergency_number"]
    crisis_line: str = CLINIC_DEFAULTS["crisis_line"]

    database_url: str = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'intake.sqlite3'}"
    redis_url: str | None = None

    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    rasa_token: SecretStr = SecretStr(DEFAULT_SECRET)

    public_base_url: str = "http://127.0.0.1:8000"
    rasa_url: str = "http://127.0.0.1:5005"
    allowed_origins: list[str] = ["http://127.0.0.1:8000", "http://localhost:8000"]

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "intake-assistant@clinic.invalid"
    oncall_emails: list[str] = ["oncall@clinic.invalid"]
    alert_webhook_url: str | None = None
    # By default an alert email carries only tier, time and a dashboard link (no PHI).
    email_include_phi: bool = False
    # Outbox worker: how often it looks for due notifications, and the retry back-off
    # (base doubles per failed attempt up to the maximum; delivery is retried until it works).
    outbox_poll_seconds: float = 2.0
    outbox_retry_base_seconds: float = 5.0
    outbox_retry_max_seconds: float = 900.0

    retention_days: int = 365 * 8
    # Time zone for times shown on the staff dashboard (IANA name, e.g. "America/New_York").
    clinic_timezone: str = "UTC"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def check_production_ready(self) -> None:
        """Refuse known-insecure configuration outside development mode."""
        if not self.is_production:
            return
        weak = [
            name
            for name in ("secret_key", "rasa_token")
            if getattr(self, name).get_secret_value() in ("", DEFAULT_SECRET)
        ]
        if weak:
            names = ", ".join(n.upper() for n in weak)
            raise SettingsError(
                f"PHYSIO_ENV=production but {names} still has the development default. "
                "Set a long random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
