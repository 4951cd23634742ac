"""Checks the set-up before anything starts, with a clear message instead of a traceback."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.settings import SettingsError, get_settings

PORTS = {"Rasa": "RASA_PORT", "the action server": "ACTION_PORT", "the staff web app": "WEB_PORT"}


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


async def database_reachable(url: str) -> str | None:
    engine = create_async_engine(url, connect_args={"timeout": 5} if "asyncpg" in url else {})
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    finally:
        await engine.dispose()
    return None


def main() -> int:
    problems = []
    try:
        settings = get_settings()
        settings.check_production_ready()
    except (SettingsError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, variable in PORTS.items():
        port = int(os.environ[variable])
        if port_in_use(port):
            problems.append(
                f"port {port} for {name} is already in use (another copy running?). "
                f"Stop it, or choose another port: {variable}=<port> make run"
            )
    failure = asyncio.run(database_reachable(settings.database_url))
    if failure:
        safe_url = settings.database_url.split("@")[-1]
        problems.append(
            f"cannot reach the database at ...@{safe_url} ({failure}). Check DATABASE_URL."
        )
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
