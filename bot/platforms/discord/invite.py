"""The OAuth2 invite URL: exactly the scopes and permissions the Discord adapter uses."""

from __future__ import annotations

import base64
import binascii

import discord

from bot.settings import ConfigError

SCOPES = ("bot", "applications.commands")

# Each permission the adapter needs, and what for.
PERMISSIONS: dict[str, str] = {
    "view_channel": "see the channels it welcomes, answers and moderates in",
    "send_messages": "post welcomes, answers and moderation cases",
    "send_messages_in_threads": "reply inside threads and forum posts",
    "create_public_threads": "start a thread when replying to a top-level message",
    "embed_links": "send long texts (a getting-started kit) as an embed",
    "attach_files": "post the weekly digest's chart",
    "read_message_history": "read the message it starts a thread from, and react to it",
    "add_reactions": "acknowledge with a reaction",
    "manage_messages": "remove a flagged message and a flagger's reaction",
    "moderate_members": "time a member out when moderators decide so",
}


def permissions() -> discord.Permissions:
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def application_id_from_token(token: str) -> str:
    """A bot token starts with the bot's user id in base64, which is its application id."""
    head = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    if not decoded.isdigit():
        raise ConfigError(
            "DISCORD_BOT_TOKEN does not look like a bot token; pass --client-id with the "
            "application id from the Developer Portal (General Information → Application ID)"
        )
    return decoded


def invite_url(client_id: str) -> str:
    if not client_id.isdigit():
        raise ConfigError(f"--client-id must be an application id (digits), not {client_id!r}")
    return discord.utils.oauth_url(client_id, permissions=permissions(), scopes=SCOPES)


def explain() -> list[str]:
    """One line per permission, for the CLI and the docs."""
    names = {name: name.replace("_", " ").title() for name in PERMISSIONS}
    names.update(view_channel="View Channels", moderate_members="Timeout Members")
    return [f"{names[name]}: {why}" for name, why in PERMISSIONS.items()]
