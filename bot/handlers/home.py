"""The member's home page (Slack App Home): their getting-started checklist and how far they
have come; managers also see how the community did in the last seven days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot.community_config import CommunityConfig
from bot.context import Turn
from bot.events import ChannelRef, HomeOpened, UserRef
from bot.roles import Role, role_of
from bot.router import Router
from bot.text import Text
from storage.models import Member, Message

SUMMARY_DAYS = 7


def register(router: Router) -> None:
    router.on(HomeOpened)(publish_home)


async def publish_home(event: HomeOpened, turn: Turn) -> None:
    member_id = turn.ctx.directory.member_id(turn.session, turn.community_id, event.user, turn.now)
    posted = turn.session.execute(
        select(func.count()).select_from(Message)
        .where(Message.author_id == member_id, Message.deleted_at.is_(None))
    ).scalar_one()
    page = checklist(turn.config, event.user, posted)
    role = role_of(turn.session, turn.config, turn.community, turn.community_id, event.user)
    if role >= Role.MANAGER:
        page += "\n\n" + manager_summary(community_summary(turn))
    turn.outbox.publish_home(event.user, page, key=f"home:{event.event_id}")


def checklist(config: CommunityConfig, user: UserRef, posted: int) -> Text:
    """The getting-started package of the welcome DM, as a list to work through."""
    community = config.community
    text = Text((f"Getting started in {community.name}",))
    if community.vision:
        text += f"\nWhy we are here: {community.vision}"
    if community.code_of_conduct_url:
        text += f"\nCode of conduct: {community.code_of_conduct_url}"
    channels = config.welcome.suggested_channels
    if channels:
        text += "\nChannels to start with: "
        for index, name in enumerate(channels):
            text += Text((", " if index else "", ChannelRef(id="", name=name.lstrip("#"))))
    if config.welcome.first_activities:
        text += "\n\nYour first steps:"
        for activity in config.welcome.first_activities[:5]:
            text += f"\n☐ {activity}"
    if posted:
        plural = "s" if posted != 1 else ""
        text += f"\n\nYou have posted {posted} message{plural} so far. Thank you!"
    else:
        text += "\n\nYou have not posted yet: an introduction is a great first message."
    return text


@dataclass(frozen=True)
class CommunitySummary:
    members: int
    joined: int
    messages: int
    authors: int


def community_summary(turn: Turn) -> CommunitySummary:
    since = turn.now - timedelta(days=SUMMARY_DAYS)
    members, joined = turn.session.execute(
        select(func.count(), func.count().filter(Member.joined_at >= since))
        .where(Member.community_id == turn.community_id, Member.left_at.is_(None),
               Member.is_bot.is_(False))
    ).one()
    messages, authors = turn.session.execute(
        select(func.count(), func.count(func.distinct(Message.author_id)))
        .where(Message.community_id == turn.community_id, Message.posted_at >= since,
               Message.deleted_at.is_(None))
    ).one()
    return CommunitySummary(members, joined, messages, authors)


def manager_summary(summary: CommunitySummary) -> str:
    return (
        f"For managers, the last {SUMMARY_DAYS} days:\n"
        f"• Members: {summary.members} ({summary.joined} joined)\n"
        f"• Messages: {summary.messages} from {summary.authors} "
        f"{'person' if summary.authors == 1 else 'people'}"
    )
