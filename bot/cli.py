"""`community-bot`: run the bot, try it in the console, play the demo, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from bot.community_config import CommunityConfig, load_community_config
from bot.settings import ConfigError, Settings, load_settings

NO_PLATFORM = """\
No chat platform is configured, so there is nothing for `run` to connect to.

  Slack:   set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode on SLACK_HTTP_PORT),
           plus SLACK_APP_TOKEN for Socket Mode.
  Discord: set DISCORD_BOT_TOKEN.

Put them in the environment or in .env (see .env.example). To try the bot without either,
run `community-bot console` (an interactive local workspace) or `community-bot demo`."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "func", None) is _bench:
        return _bench(extra)  # everything after `bench` is for `python -m bench`
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        settings = load_settings(env_file=args.env_file)
        quiet = args.func in (_console, _demo, _export)  # the output is the point there
        logging.basicConfig(
            level=settings.log_level or ("WARNING" if quiet else "INFO"),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        return int(args.func(args, settings) or 0)
    except ConfigError as exc:
        print(f"community-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="community-bot",
        description="A community manager's assistant for Slack, Discord and a local console.",
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default: .env)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = commands.add_parser("run", help="connect to Slack and/or Discord and serve")
    run.set_defaults(func=_run)

    console = commands.add_parser(
        "console", help="an interactive local workspace (no Slack or Discord needed)",
        description="Act as any member: join, post, react, run /community commands and move "
                    "the clock. Reads standard input, so it can be scripted through a pipe.",
    )
    console.add_argument("--database", help="database URL (default: DATABASE_URL)")
    console.set_defaults(func=_console)

    demo = commands.add_parser("demo", help="play a scripted tour of every feature")
    demo.add_argument("--keep-database", metavar="URL",
                      help="use this database instead of a throw-away one")
    demo.set_defaults(func=_demo)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(title="db commands", metavar="DB_COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations up to the latest")
    upgrade.set_defaults(func=_db_upgrade)
    current = db_commands.add_parser("current", help="show the schema revision")
    current.set_defaults(func=_db_current)
    db.set_defaults(func=lambda args, settings: db.print_help() or 2)

    config = commands.add_parser("config", help="community configuration")
    config_commands = config.add_subparsers(title="config commands", metavar="CONFIG_COMMAND")
    check = config_commands.add_parser("check", help="validate COMMUNITY_CONFIG and summarise")
    check.set_defaults(func=_config_check)
    example = config_commands.add_parser("example", help="print the example configuration")
    example.set_defaults(func=_config_example)
    config.set_defaults(func=lambda args, settings: config.print_help() or 2)

    discord = commands.add_parser("discord", help="Discord set-up helpers")
    discord_commands = discord.add_subparsers(title="discord commands", metavar="DISCORD_COMMAND")
    invite = discord_commands.add_parser(
        "invite-url", help="print the URL that adds the bot to a server",
        description="The OAuth2 URL with exactly the scopes and permissions the bot uses. The "
                    "application id is read from DISCORD_BOT_TOKEN unless given.",
    )
    invite.add_argument("--client-id", help="the application id (Developer Portal)")
    invite.set_defaults(func=_discord_invite_url)
    discord.set_defaults(func=lambda args, settings: discord.print_help() or 2)

    bench = commands.add_parser(
        "bench", add_help=False, help="measure speed and size (`python -m bench`)",
        description="Runs the benchmarks of a source checkout; `community-bot bench --help` "
                    "lists their options.",
    )
    bench.set_defaults(func=_bench)

    export = commands.add_parser(
        "export", help="write members and metrics as CSV or JSON",
        description="CSV writes two files: members at --output (default "
                    "community-export.csv) and the metrics in <name>-metrics.csv. JSON is one "
                    "document, to --output or standard output.",
    )
    export.add_argument("--period", help="7d, 30d, 4w … (default: [metrics] default_period)")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", type=Path, help="file to write")
    export.add_argument("--community", help="platform:id or name, when the store has several")
    export.add_argument("--database", help="database URL (default: DATABASE_URL)")
    export.set_defaults(func=_export)
    return parser


BENCH_ROOT = Path(__file__).resolve().parents[1]  # bench/ sits next to bot/ in a checkout


def _bench(bench_args: list[str]) -> int:
    """`python -m bench …` in the source checkout: the benchmarks use the test suite's fake
    Slack and Discord servers, which are not installed with the package."""
    if not (BENCH_ROOT / "bench" / "__main__.py").is_file():
        print("community-bot: the benchmarks ship with the source, not the package; clone the "
              "repository and run `community-bot bench` (or `python -m bench`) there.",
              file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, "-m", "bench", *bench_args], cwd=BENCH_ROOT)


def _community(settings: Settings) -> CommunityConfig:
    return load_community_config(settings.community_config)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    config = _community(settings)
    if not (settings.slack_enabled or settings.discord_enabled):
        print(NO_PLATFORM, file=sys.stderr)
        return 2
    from bot.server import serve

    return asyncio.run(serve(settings, config))


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import make_assist, open_store
    from bot.platforms.console.runner import run_console

    config = _community(settings)
    store = open_store(args.database or settings.database_url)

    async def console_with_assist() -> None:
        assist = make_assist(settings)
        try:
            await run_console(config, store, assist=assist)
        finally:
            if assist is not None:
                await assist.close()

    try:
        asyncio.run(console_with_assist())
    finally:
        store.dispose()
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store
    from bot.platforms.console.demo import play_demo

    config = _community(settings)
    with tempfile.TemporaryDirectory(prefix="community-bot-demo-") as tmp:
        url = args.keep_database or f"sqlite:///{Path(tmp) / 'demo.db'}"
        store = open_store(url)
        try:
            asyncio.run(play_demo(config, store))
        finally:
            store.dispose()
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    print(f"database at revision {', '.join(sorted(migrate.current_revisions(engine)))} (latest)")
    return 0


def _db_current(args: argparse.Namespace, settings: Settings) -> int:
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    current, heads = migrate.current_revisions(engine), migrate.head_revisions()
    latest = ", ".join(sorted(heads))
    state = "up to date" if current == heads else f"behind; latest is {latest}: run `db upgrade`"
    print(f"database at revision {', '.join(sorted(current)) or '(empty)'}, {state}")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store
    from bot.export import ExportError, check_arguments, export

    config = _community(settings)
    try:
        check_arguments(config, args.period, args.format)
    except ExportError as exc:
        print(f"community-bot export: {exc}", file=sys.stderr)
        return 2
    store = open_store(args.database or settings.database_url)
    try:
        written = export(store, config, period_word=args.period, fmt=args.format,
                         output=args.output, community=args.community)
    except ExportError as exc:
        print(f"community-bot export: {exc}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _discord_invite_url(args: argparse.Namespace, settings: Settings) -> int:
    from bot.platforms.discord import invite

    client_id = args.client_id
    if client_id is None:
        if settings.discord_bot_token is None:
            raise ConfigError("set DISCORD_BOT_TOKEN or pass --client-id APPLICATION_ID")
        client_id = invite.application_id_from_token(settings.discord_bot_token.get_secret_value())
    print(invite.invite_url(client_id))
    print("\nScopes: " + ", ".join(invite.SCOPES) + ". Permissions:", file=sys.stderr)
    for line in invite.explain():
        print(f"  - {line}", file=sys.stderr)
    return 0


def _config_check(args: argparse.Namespace, settings: Settings) -> int:
    config = _community(settings)
    out = Console(highlight=False)
    out.print(f"[green]ok[/]: {settings.community_config or 'the shipped example'}")
    out.print(f"  community: {config.community.name} ({config.community.timezone})")
    out.print(f"  welcome channel: #{config.channels.welcome}; "
              f"managers: #{config.channels.managers}; moderators: #{config.channels.moderators}")
    out.print(f"  platforms: slack={'on' if settings.slack_enabled else 'off'}, "
              f"discord={'on' if settings.discord_enabled else 'off'}")
    return 0


def _config_example(args: argparse.Namespace, settings: Settings) -> int:
    from bot.community_config import EXAMPLE_PATH

    sys.stdout.write(EXAMPLE_PATH.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
