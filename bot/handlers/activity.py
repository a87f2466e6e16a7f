"""Records who is here and what they say: members, channels, messages, edits and reactions."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select, update

from bot.context import Turn
from bot.events import (
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    ReactionAdded,
    ReactionRemoved,
    UserRef,
)
from bot.router import Router
from storage import fastpath
from storage.models import Message, Reaction
from storage.upsert import insert_ignore

MAX_STORED_TEXT = 40_000  # longer texts are cut, never rejected
MESSAGES = Message.__table__
_STORED_ID = select(MESSAGES.c.id).where(  # built once: reactions look messages up constantly
    MESSAGES.c.channel_id == bindparam("channel"), MESSAGES.c.external_id == bindparam("id")
)


def register(router: Router) -> None:
    router.on(MemberJoined)(record_join)
    router.on(MemberLeft)(record_leave)
    router.on(MessagePosted)(record_message)
    router.on(MessageEdited)(record_edit)
    router.on(MessageDeleted)(record_delete)
    router.on(ReactionAdded)(record_reaction)
    router.on(ReactionRemoved)(forget_reaction)


async def record_join(event: MemberJoined, turn: Turn) -> None:
    directory = turn.ctx.directory
    member_id = directory.member_id(turn.session, turn.community_id, event.user, turn.now)
    directory.mark_joined(turn.session, member_id, event.at)


async def record_leave(event: MemberLeft, turn: Turn) -> None:
    directory = turn.ctx.directory
    member_id = directory.member_id(turn.session, turn.community_id, event.user, turn.now)
    directory.mark_left(turn.session, member_id, event.at)


async def record_message(event: MessagePosted, turn: Turn) -> None:
    """Community messages only: a member's DM to the bot (an appeal, a command) is private
    and is not community activity."""
    if event.author.is_bot or event.message.channel.is_dm:
        return
    directory = turn.ctx.directory
    insert_ignore(turn.session, Message, {
        "community_id": turn.community_id,
        "channel_id": directory.channel_id(turn.session, turn.community_id, event.message.channel),
        "external_id": event.message.id,
        "thread_external_id": event.message.thread_id,
        "author_id": directory.member_id(turn.session, turn.community_id, event.author, turn.now),
        "text": event.text[:MAX_STORED_TEXT],
        "posted_at": event.at,
    })


def stored_message_id(turn: Turn, ref: MessageRef) -> int | None:
    channel_id = turn.ctx.directory.channel_id(turn.session, turn.community_id, ref.channel)
    return fastpath.scalar(turn.session, _STORED_ID, {"channel": channel_id, "id": ref.id})


async def record_edit(event: MessageEdited, turn: Turn) -> None:
    message_id = stored_message_id(turn, event.message)
    if message_id is not None:
        turn.session.execute(update(Message).where(Message.id == message_id).values(
            text=event.text[:MAX_STORED_TEXT], edited_at=event.at
        ))


async def record_delete(event: MessageDeleted, turn: Turn) -> None:
    """Deleted messages keep their text: moderation and appeals may need it."""
    message_id = stored_message_id(turn, event.message)
    if message_id is not None:
        turn.session.execute(
            update(Message).where(Message.id == message_id).values(deleted_at=event.at)
        )


async def record_reaction(event: ReactionAdded, turn: Turn) -> None:
    message_id = stored_message_id(turn, event.message)
    if message_id is None or event.user.is_bot:
        return
    member_id = turn.ctx.directory.member_id(turn.session, turn.community_id, event.user, turn.now)
    insert_ignore(turn.session, Reaction, {
        "message_id": message_id, "member_id": member_id, "emoji": event.emoji,
        "reacted_at": event.at,
    })


async def forget_reaction(event: ReactionRemoved, turn: Turn) -> None:
    delete_reaction(turn, event.message, event.user, event.emoji)


def delete_reaction(turn: Turn, message: MessageRef, user: UserRef, emoji: str) -> None:
    """Forget one member's reaction (removed by them, or taken off by the bot)."""
    message_id = stored_message_id(turn, message)
    if message_id is None:
        return
    member_id = turn.ctx.directory.member_id(turn.session, turn.community_id, user, turn.now)
    turn.session.execute(delete(Reaction).where(
        Reaction.message_id == message_id, Reaction.member_id == member_id,
        Reaction.emoji == emoji,
    ))
