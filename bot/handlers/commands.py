"""Answers `/community …`: finds the subcommand, checks the caller's role, replies privately
(or, for a moderator or manager who ends with `--post`, in the channel)."""

from __future__ import annotations

import logging

from bot.commands import (
    CommandCall,
    PublicReply,
    Subcommand,
    UsageError,
    split_args,
    take_post_flag,
)
from bot.context import Turn
from bot.events import CommandInvoked
from bot.roles import Role, role_of
from bot.router import Router
from bot.text import Text, as_text

log = logging.getLogger(__name__)

MAX_ARGS_LENGTH = 2000


def register(router: Router) -> None:
    router.on(CommandInvoked)(answer_command)
    router.commands.add(Subcommand(
        "help", "", "what you can run here", Role.MEMBER, show_help
    ))


async def answer_command(event: CommandInvoked, turn: Turn) -> None:
    reply = await run_command(event, turn)
    if isinstance(reply, PublicReply):
        turn.outbox.post(event.channel, reply.text, key=f"reply-post:{event.event_id}")
        reply = Text.of("Posted in {channel} for everyone.", channel=event.channel)
    turn.outbox.ephemeral(event.channel, event.user, reply, interaction=event.interaction,
                          key=f"reply:{event.event_id}")


async def run_command(event: CommandInvoked, turn: Turn) -> Text | str | PublicReply:
    role = role_of(turn.session, turn.config, turn.community, turn.community_id, event.user)
    if len(event.args) > MAX_ARGS_LENGTH:
        return f"That is too long for a command ({len(event.args)} characters; at most 2000)."
    try:
        words = split_args(event.args)
    except UsageError as exc:
        return f"{exc}. Try `/community help`."
    words, post = take_post_flag(words)
    if not words:
        return await show_help(CommandCall((), role), turn)
    command, rest = turn.ctx.router.commands.find(words)
    if command is None:
        return f"I don't know `/community {words[0]}`. Try `/community help`."
    if role < command.role:
        log.info("refused %s to %s (%s)", command.name, event.user.id, role.label)
        return f"Sorry, `/community {command.name}` is for {command.role.label}s only."
    try:
        reply = await command.run(CommandCall(tuple(rest), role), turn)
    except UsageError as exc:
        return f"{exc}\nUsage: `{command.usage_line}`"
    if not post:
        return reply
    if role < Role.MODERATOR or event.channel.is_dm:
        why = "only moderators and managers post replies" if role < Role.MODERATOR else (
            "this is a direct message")
        return as_text(reply) + f"\n(Kept private: {why}.)"
    return PublicReply(reply)


async def show_help(call: CommandCall, turn: Turn) -> str:
    lines = [f"Commands you can run (you are a {call.role.label}):"]
    for command in turn.ctx.router.commands.visible_to(call.role):
        lines.append(f"• `{command.usage_line}` — {command.summary}")
    if call.role >= Role.MODERATOR:
        lines.append("Replies are private; end a command with `--post` to post it for everyone.")
    return "\n".join(lines)
