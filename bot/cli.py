"""`physio-intake`: admin command for the intake service (no manual SQL needed).

physio-intake db upgrade
physio-intake user create --email EMAIL --role clinician|front_desk|admin [--password-stdin]
physio-intake user reset-password --email EMAIL [--password-stdin]
physio-intake token create --name NAME --role ROLE
physio-intake token revoke --name NAME
physio-intake intake export --conversation-id ID [--output FILE]
physio-intake intake delete --conversation-id ID --yes
physio-intake purge [--older-than-days N]
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.fhir import build_questionnaire_response, to_json_dict
from bot.settings import Settings, get_settings
from bot.store import create_engine, migrate, session_factory
from bot.store.accounts import (
    AccountError,
    check_password_strength,
    create_api_token,
    create_staff_user,
    reset_password,
    revoke_api_token,
)
from bot.store.audit import record_audit
from bot.store.intakes import (
    IntakeActionError,
    delete_intake,
    get_by_conversation,
    intake_record,
    purge_older_than,
)
from bot.store.models import STAFF_ROLES


class CommandError(Exception):
    """Ends the command with this message and exit status 1."""


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except OSError:
        return "cli"


def _audit(session: AsyncSession, action: str, object_type: str, object_id: str, **details) -> None:
    record_audit(
        session,
        actor_type="cli",
        actor_label=_operator(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise CommandError("no terminal to ask for a password; use --password-stdin")
        password = getpass.getpass("New password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise CommandError("the passwords differ")
    return check_password_strength(password)


async def _in_transaction(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[Any]]
) -> Any:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    migrate(settings.database_url, args.revision)
    print(f"database upgraded to {args.revision}")


def cmd_user_create(args: argparse.Namespace, settings: Settings) -> None:
    password = _read_password(args.password_stdin)

    async def work(session: AsyncSession) -> None:
        user = await create_staff_user(session, args.email, args.role, password, args.name)
        _audit(session, "user.create", "staff_user", str(user.id), role=user.role)
        print(f"created {user.role} {user.email} (id {user.id})")

    asyncio.run(_in_transaction(settings, work))


def cmd_user_reset_password(args: argparse.Namespace, settings: Settings) -> None:
    password = _read_password(args.password_stdin)

    async def work(session: AsyncSession) -> None:
        user = await reset_password(session, args.email, password)
        _audit(session, "user.reset_password", "staff_user", str(user.id))
        print(f"password reset for {user.email}; their sessions were ended")

    asyncio.run(_in_transaction(settings, work))


def cmd_token_create(args: argparse.Namespace, settings: Settings) -> None:
    async def work(session: AsyncSession) -> str:
        token, plain = await create_api_token(session, args.name, args.role)
        _audit(session, "token.create", "api_token", str(token.id), role=token.role)
        return plain

    plain = asyncio.run(_in_transaction(settings, work))
    print(plain)
    print("Store this token now: it is shown only once.", file=sys.stderr)


def cmd_token_revoke(args: argparse.Namespace, settings: Settings) -> None:
    async def work(session: AsyncSession) -> None:
        token = await revoke_api_token(session, args.name)
        _audit(session, "token.revoke", "api_token", str(token.id))
        print(f"token {token.name!r} revoked")

    asyncio.run(_in_transaction(settings, work))


def cmd_intake_export(args: argparse.Namespace, settings: Settings) -> None:
    async def work(session: AsyncSession) -> dict[str, Any]:
        intake = await get_by_conversation(session, args.conversation_id)
        if intake is None:
            raise CommandError("no intake for that conversation id")
        _audit(session, "intake.export", "intake", str(intake.id), format="json+fhir")
        base_url = settings.public_base_url
        return {
            "intake": intake_record(intake, base_url, full=True),
            "fhir": to_json_dict(build_questionnaire_response(intake, base_url)),
        }

    document = json.dumps(asyncio.run(_in_transaction(settings, work)), indent=2)
    if args.output:
        Path(args.output).write_text(document + "\n", encoding="utf-8")
        print(f"written to {args.output}", file=sys.stderr)
    else:
        print(document)


def cmd_intake_delete(args: argparse.Namespace, settings: Settings) -> None:
    if not args.yes:
        raise CommandError("deleting is permanent; repeat with --yes to confirm")

    async def work(session: AsyncSession) -> None:
        intake = await get_by_conversation(session, args.conversation_id)
        if intake is None:
            raise CommandError("no intake for that conversation id")
        _audit(session, "intake.delete", "intake", str(intake.id))
        await delete_intake(session, intake)
        print(f"intake {intake.id} deleted")

    asyncio.run(_in_transaction(settings, work))


def cmd_purge(args: argparse.Namespace, settings: Settings) -> None:
    days = args.older_than_days or settings.retention_days

    async def work(session: AsyncSession) -> None:
        result = await purge_older_than(session, days)
        _audit(session, "data.purge", "database", "intakes", days=days, intakes=result.intakes)
        print(
            f"purged data older than {days} days: {result.intakes} intakes, "
            f"{result.audit_events} audit events, {result.outbox_messages} outbox messages, "
            f"{result.sessions} expired sessions"
        )

    asyncio.run(_in_transaction(settings, work))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="physio-intake", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL from the environment/.env")
    groups = parser.add_subparsers(dest="group", required=True)

    db = groups.add_parser("db", help="database schema").add_subparsers(
        dest="action", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply Alembic migrations")
    upgrade.add_argument("--revision", default="head")
    upgrade.set_defaults(handler=cmd_db_upgrade)

    user = groups.add_parser("user", help="staff users").add_subparsers(
        dest="action", required=True
    )
    create = user.add_parser("create", help="create a staff user")
    create.add_argument("--email", required=True)
    create.add_argument("--role", required=True, choices=STAFF_ROLES)
    create.add_argument("--name", default="", help="display name")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(handler=cmd_user_create)
    reset = user.add_parser("reset-password", help="set a new password and unlock")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password-stdin", action="store_true")
    reset.set_defaults(handler=cmd_user_reset_password)

    token = groups.add_parser("token", help="API tokens").add_subparsers(
        dest="action", required=True
    )
    token_create = token.add_parser("create", help="create a token and print it once")
    token_create.add_argument("--name", required=True)
    token_create.add_argument("--role", required=True, choices=STAFF_ROLES)
    token_create.set_defaults(handler=cmd_token_create)
    token_revoke = token.add_parser("revoke", help="revoke a token")
    token_revoke.add_argument("--name", required=True)
    token_revoke.set_defaults(handler=cmd_token_revoke)

    intake = groups.add_parser("intake", help="data-subject requests").add_subparsers(
        dest="action", required=True
    )
    export = intake.add_parser("export", help="print an intake as JSON, with its FHIR form")
    export.add_argument("--conversation-id", required=True)
    export.add_argument("--output", help="write to this file instead of stdout")
    export.set_defaults(handler=cmd_intake_export)
    erase = intake.add_parser("delete", help="delete an intake permanently")
    erase.add_argument("--conversation-id", required=True)
    erase.add_argument("--yes", action="store_true", help="confirm the deletion")
    erase.set_defaults(handler=cmd_intake_delete)

    purge = groups.add_parser("purge", help="delete data older than the retention period")
    purge.add_argument("--older-than-days", type=int, help="default: RETENTION_DAYS setting")
    purge.set_defaults(handler=cmd_purge)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    if args.database_url:
        settings = settings.model_copy(update={"database_url": args.database_url})
    try:
        args.handler(args, settings)
    except (CommandError, AccountError, IntakeActionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
