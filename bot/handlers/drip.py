"""Opting out of (and back into) the newcomer drip: `/community drip off|on` or the button
under every drip DM. The clicker opts themselves out; the button carries no one's identity."""

from __future__ import annotations

from sqlalchemy import delete

from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import ActionClicked, CommandInvoked, UserRef
from bot.jobs.drip import OPT_OUT_ACTION
from bot.roles import Role
from bot.router import Router
from storage.programme_tables import DripOptOut
from storage.upsert import insert_ignore

STOPPED = ("Done: no more newcomer tips from me. "
           "Changed your mind? `/community drip on` turns them back on.")


def register(router: Router) -> None:
    router.on(ActionClicked)(stop_from_button)
    router.commands.add(Subcommand(
        "drip", "off|on", "stop (or restart) the newcomer tips I send by DM", Role.MEMBER,
        switch_drip,
    ))


def opt_out(turn: Turn, user: UserRef, via: str) -> bool:
    member_id = turn.ctx.directory.member_id(turn.session, turn.community_id, user, turn.now)
    return insert_ignore(turn.session, DripOptOut, {
        "member_id": member_id, "community_id": turn.community_id,
        "opted_out_at": turn.now, "via": via,
    })


async def switch_drip(call: CommandCall, turn: Turn) -> str:
    assert isinstance(turn.event, CommandInvoked)
    user = turn.event.user
    choice = call.words[0].lower() if len(call.words) == 1 else ""
    if choice == "off":
        opt_out(turn, user, "command")
        return STOPPED
    if choice == "on":
        member_id = turn.ctx.directory.member_id(turn.session, turn.community_id, user, turn.now)
        turn.session.execute(delete(DripOptOut).where(DripOptOut.member_id == member_id))
        return "Newcomer tips are on again: I'll send the next one when it's due."
    raise UsageError("Say `off` to stop the newcomer tips or `on` to get them again.")


async def stop_from_button(event: ActionClicked, turn: Turn) -> None:
    if event.action_id != OPT_OUT_ACTION:
        return
    opt_out(turn, event.user, "button")
    key = f"drip-off:{event.event_id}"
    if event.channel is not None:
        turn.outbox.ephemeral(event.channel, event.user, STOPPED, interaction=event.interaction,
                              key=key)
    else:
        turn.outbox.dm(event.user, STOPPED, key=key)
