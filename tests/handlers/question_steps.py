"""Steps for question and champion tests: ask, reply, react, click and run commands as people
do on the console workspace."""

from __future__ import annotations

from bot.events import (
    ActionClicked,
    ChannelRef,
    InteractionRef,
    MessageDeleted,
    MessagePosted,
    MessageRef,
    ReactionAdded,
    UserRef,
)
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, command, next_id


async def say(bot: ConsoleBot, name: str, text: str, *, channel: str = "help",
              thread_of: MessageRef | None = None, is_bot: bool = False) -> MessageRef:
    """Post as `name` (in the thread of `thread_of` when given); returns the message. Like a
    real delivery it only dispatches: `bot.settle()` runs the jobs and the sender."""
    user = bot.workspace.user(name)
    if is_bot:
        user = UserRef(id=user.id, name=user.name, is_bot=True)
    thread_id = (thread_of.thread_id or thread_of.id) if thread_of else None
    message = bot.workspace.record(bot.workspace.channel(channel), user, text,
                                   thread_id=thread_id)
    await bot.ctx.router.dispatch(bot.ctx, MessagePosted(
        event_id=next_id(), community=CONSOLE, at=bot.clock.now(), message=message.ref,
        author=user, text=text,
    ))
    return message.ref


async def react(bot: ConsoleBot, name: str, message: MessageRef, emoji: str = "✅") -> None:
    await bot.ctx.router.dispatch(bot.ctx, ReactionAdded(
        event_id=next_id(), community=CONSOLE, at=bot.clock.now(), message=message,
        user=bot.workspace.user(name), emoji=emoji,
    ))
    await bot.settle()


async def delete(bot: ConsoleBot, message: MessageRef) -> None:
    await bot.ctx.router.dispatch(bot.ctx, MessageDeleted(
        event_id=next_id(), community=CONSOLE, at=bot.clock.now(), message=message,
    ))
    await bot.settle()


async def run(bot: ConsoleBot, name: str, args: str, *, channel: str = "general") -> str:
    """`/community args` as `name`; returns the private reply."""
    await bot.ctx.router.dispatch(bot.ctx, command(name, args, bot.clock.now(),
                                                   channel=channel))
    await bot.settle()
    return bot.private_to(name)[-1]


async def click(bot: ConsoleBot, name: str, label: str, *, value: str | None = None) -> None:
    """Press the latest button labelled `label` shown to `name` (or a forged one by value)."""
    shown = [b for b in bot.workspace.buttons
             if b.button.label == label and b.audience == f"dm:{name}"]
    if value is None:
        assert shown, f"no {label!r} button shown to {name}"
        button, message = shown[-1].button, shown[-1].message
        action_id, value = button.action_id, button.value
    else:
        action_id = "question.take" if label == "I'll take it" else "question.pass"
        message = MessageRef(channel=ChannelRef(id=f"dm-{name}", is_dm=True), id="forged")
    await bot.ctx.router.dispatch(bot.ctx, ActionClicked(
        event_id=next_id(), community=CONSOLE, at=bot.clock.now(),
        user=bot.workspace.user(name), channel=message.channel, action_id=action_id,
        value=value, message=message, interaction=InteractionRef(token=next_id()),
    ))
    await bot.settle()


def thread_posts(bot: ConsoleBot, root: MessageRef) -> list[str]:
    """What the bot posted in the thread of `root`."""
    return [m.text for m in bot.workspace.messages
            if m.author.is_bot and m.ref.thread_id == root.id and m.audience == "channel"]
