"""Welcome wagon: each newcomer gets a getting-started DM at once and, with everyone else who
joined around the same time, one public welcome (posted by `bot.jobs.welcome_batch`).

A `welcomes` row per member makes it once ever: a repeated join delivery or a rejoin finds
the row and does nothing.
"""

from __future__ import annotations

import logging

from bot.community_config import CommunityConfig
from bot.context import Turn
from bot.events import ChannelRef, MemberJoined, UserRef
from bot.router import Router
from bot.text import Text
from storage.models import Welcome
from storage.upsert import insert_ignore

log = logging.getLogger(__name__)


def register(router: Router) -> None:
    router.on(MemberJoined)(welcome_newcomer)


async def welcome_newcomer(event: MemberJoined, turn: Turn) -> None:
    config = turn.config
    if not config.welcome.enabled or event.user.is_bot:
        return
    member_id = turn.ctx.directory.member_id(turn.session, turn.community_id, event.user, turn.now)
    first_time = insert_ignore(turn.session, Welcome, {
        "community_id": turn.community_id, "member_id": member_id, "joined_at": event.at,
    })
    if not first_time:
        log.info("member %s was welcomed before; no second welcome", event.user.id)
        return
    welcome_channel = turn.ctx.config_channel(config.channels.welcome)
    turn.outbox.dm(
        event.user, getting_started(config, event.user),
        key=f"welcome-dm:{turn.community_id}:{member_id}",
        fallback_channel=welcome_channel,
        fallback_text=Text.of("{user}, ", user=event.user) + getting_started(config, event.user),
    )


def getting_started(config: CommunityConfig, user: UserRef) -> Text:
    """The private getting-started package: vision, code of conduct, channels, first steps."""
    section = config.welcome
    greeting = section.dm_text.format(
        name=user.name or "there", community=config.community.name
    )
    text = Text((greeting,))
    if config.community.vision:
        text += f"\n\nWhy we are here: {config.community.vision}"
    if config.community.code_of_conduct_url:
        text += f"\nCode of conduct: {config.community.code_of_conduct_url}"
    if section.suggested_channels:
        text += "\nChannels to start with: "
        for index, name in enumerate(section.suggested_channels):
            text += Text((", " if index else "", ChannelRef(id="", name=name.lstrip("#"))))
    if section.first_activities:
        text += "\nFive first things to try:"
        for number, activity in enumerate(section.first_activities[:5], start=1):
            text += f"\n{number}. {activity}"
    return text


def public_welcome(config: CommunityConfig, users: list[UserRef]) -> Text:
    """One post naming everyone: `{members}` becomes "@a, @b and @c"."""
    names: list[str | UserRef] = []
    for index, user in enumerate(users):
        if index:
            names.append(" and " if index == len(users) - 1 else ", ")
        names.append(user)
    before, _, after = config.welcome.public_text.partition("{members}")
    return Text((before, *names, after))
