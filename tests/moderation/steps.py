"""Steps shared by the moderation tests, taken as members and moderators take them: post,
flag, press a case button, reply to the bot privately."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.community_config import CommunityConfig
from bot.events import (
    ActionClicked,
    ChannelRef,
    Event,
    FormSubmitted,
    InteractionRef,
    MessagePosted,
    MessageRef,
    MessageShortcut,
    ReactionAdded,
    UserRef,
)
from bot.handlers.flagging import FLAG_FORM_ID, flag_form_context
from bot.platforms.console.workspace import ShownButton
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, next_id


def person(name: str) -> UserRef:
    return UserRef(id=name, name=name)


def with_moderation(bot: ConsoleBot, **changes: Any) -> None:
    config: CommunityConfig = bot.ctx.config
    bot.ctx.config = config.model_copy(update={
        "moderation": config.moderation.model_copy(update=changes)
    })


def _base(bot: ConsoleBot, event_id: str | None = None) -> dict[str, Any]:
    return {"event_id": event_id or next_id(), "community": CONSOLE, "at": bot.clock.now()}


async def deliver(bot: ConsoleBot, event: Event) -> None:
    """Dispatch, then send what the bot queued. Moderation has no scheduled jobs, so the other
    features' sweeps (`bot.settle()`) are left out to keep these tests fast."""
    await bot.ctx.router.dispatch(bot.ctx, event)
    assert bot.ctx.sender is not None
    await bot.ctx.sender.drain()


async def post(bot: ConsoleBot, author: str, text: str, channel: str = "general") -> MessageRef:
    """A member's message: shown in the workspace and delivered to the bot."""
    user = bot.workspace.user(author)
    message = bot.workspace.record(bot.workspace.channel(channel), user, text)
    await deliver(bot, MessagePosted(**_base(bot), message=message.ref, author=user, text=text))
    return message.ref


def flag_submission(
    bot: ConsoleBot, user: str, ref: MessageRef, reason: str = "spam", note: str = "", *,
    event_id: str | None = None, context: str | None = None,
) -> FormSubmitted:
    return FormSubmitted(
        **_base(bot, event_id), user=person(user), form_id=FLAG_FORM_ID,
        values={"reason": reason, "note": note},
        context=flag_form_context(ref) if context is None else context,
        interaction=InteractionRef(token=next_id()),
    )


def warning_note(bot: ConsoleBot, user: str, context: str, note: str) -> FormSubmitted:
    """The Warn author button's form, submitted."""
    return FormSubmitted(
        **_base(bot), user=person(user), form_id="moderation-warn", values={"note": note},
        context=context, interaction=InteractionRef(token=next_id()),
    )


async def flag(
    bot: ConsoleBot, user: str, ref: MessageRef, reason: str = "spam", note: str = ""
) -> None:
    """Through the "Flag message" form, as Slack, Discord and the console's /flag submit it."""
    await deliver(bot, flag_submission(bot, user, ref, reason, note))


def flag_reaction(
    bot: ConsoleBot, user: str, ref: MessageRef, emoji: str = "🚩", event_id: str | None = None
) -> ReactionAdded:
    bot.workspace._find(ref).reactions.setdefault(emoji, set()).add(user)
    return ReactionAdded(**_base(bot, event_id), message=ref, user=person(user), emoji=emoji)


def shortcut(
    bot: ConsoleBot, user: str, ref: MessageRef, author: UserRef, text: str
) -> MessageShortcut:
    return MessageShortcut(
        **_base(bot), user=person(user), shortcut_id="flag_message", message=ref,
        author=author, text=text, interaction=InteractionRef(token=next_id(), trigger=next_id()),
    )


def dm_to_bot(bot: ConsoleBot, user: str, text: str) -> MessagePosted:
    channel = ChannelRef(id=f"dm-{user}", name=f"dm-{user}", is_dm=True)
    return MessagePosted(**_base(bot), message=MessageRef(channel=channel, id=next_id()),
                         author=person(user), text=text)


def button(bot: ConsoleBot, label: str, channel: str = "moderators") -> ShownButton:
    """The latest button with `label` under a bot post in `channel`."""
    for shown in reversed(bot.workspace.buttons):
        if shown.button.label == label and shown.message.channel.id == channel:
            return shown
    raise AssertionError(f"no {label!r} button in #{channel}")


def labels(bot: ConsoleBot, channel: str = "moderators") -> list[str]:
    """The buttons under the latest case post in `channel`, as it reads now."""
    posts = [m for m in bot.workspace.messages
             if m.author.is_bot and m.ref.channel.id == channel and m.text.startswith("🚩")]
    return [b.label for b in posts[-1].buttons] if posts else []


def click(
    bot: ConsoleBot, user: str, shown: ShownButton, *, with_interaction: bool = True
) -> ActionClicked:
    return ActionClicked(
        **_base(bot), user=person(user), channel=shown.message.channel,
        action_id=shown.button.action_id, value=shown.button.value, message=shown.message,
        interaction=InteractionRef(token=next_id()) if with_interaction else None,
    )


async def press(bot: ConsoleBot, user: str, label: str, **kwargs: Any) -> None:
    await deliver(bot, click(bot, user, button(bot, label), **kwargs))


def count(bot: ConsoleBot, table: Any, *where: Any) -> int:
    with bot.ctx.store.session() as session:
        return session.execute(
            select(func.count()).select_from(table).where(*where)
        ).scalar_one()


def case_posts(bot: ConsoleBot, channel: str = "moderators") -> list[str]:
    return [text for text in bot.posts_in(channel) if text.startswith("🚩 Case #")]


async def flagged_case(bot: ConsoleBot, author: str = "sam",
                       text: str = "Buy followers at spam.example!!!") -> MessageRef:
    """A message three members flagged as spam: case #1 is open in #moderators."""
    ref = await post(bot, author, text)
    for flagger in ("quinn", "rhea", "tess"):
        await flag(bot, flagger, ref)
    assert len(case_posts(bot)) == 1
    return ref
