"""Managers run the programming by command: the tips and icebreakers queues
(`/community tip …`, `/community fun …`) and the programmes themselves (`/community program …`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot import content_queue
from bot.cadence import CadenceError, describe_gap, parse_cadence
from bot.chat import ChatError
from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import ChannelRef, CommandInvoked
from bot.handlers.command_words import (
    channel_word,
    free_text,
    number_word,
    take_cron,
    user_word,
)
from bot.jobs.programme_content import QUEUE_WORDS
from bot.jobs.programming import Outcome, describe_time, post_occurrence
from bot.programme_catalog import (
    SOURCES,
    cadence_of,
    find_programme,
    is_running,
    member_ref,
    programmes_of,
    sync_built_ins,
)
from bot.roles import Role
from bot.router import Router
from bot.text import Text
from storage.programme_tables import Programme

MIN_GAP = timedelta(hours=1)  # a typo like "* * * * *" must not post every minute
PROGRAMME_NAME = re.compile(r"^[a-z0-9][a-z0-9\-]{0,39}$")
MAX_TEXT = 2000
SHOWN_ITEMS = 20
DEFAULT_TEMPLATES = {"newcomers": "{title}:{newcomers}", "tips": "💡 {title}: {tip}",
                     "icebreakers": "🎉 {title}: {prompt}"}


def register(router: Router) -> None:
    add = router.commands.add
    for command, queue, article in (("tip", "tips", "a"), ("fun", "icebreakers", "an")):
        one = f"{article} {QUEUE_WORDS[queue][0]}"
        add(Subcommand(f"{command} add", "<text>", f"add {one} to the end of the queue",
                       Role.MANAGER, queue_add(queue)))
        add(Subcommand(f"{command} list", "", f"the {queue} in the order they will be posted",
                       Role.MANAGER, queue_list(queue)))
        add(Subcommand(f"{command} remove", "<#id>", f"take {one} out of the queue",
                       Role.MANAGER, queue_remove(queue)))
    add(Subcommand("tip move", "<#id> <place>", "change when a tip is posted (1 = next)",
                   Role.MANAGER, move_tip))
    add(Subcommand(
        "program add", '<name> <#channel> "<cron>" <text | tips | icebreakers | newcomers> '
        "[--owner @member]", "a new recurring post (cron in the community's time zone)",
        Role.MANAGER, add_programme))
    add(Subcommand("program list", "", "every programme, its cadence and next post",
                   Role.MANAGER, list_programmes))
    add(Subcommand("program pause", "<name>", "stop a programme posting until resumed",
                   Role.MANAGER, pause_programme))
    add(Subcommand("program resume", "<name>", "let a paused programme post again",
                   Role.MANAGER, resume_programme))
    add(Subcommand("program run-now", "<name>", "post a programme's next content right now",
                   Role.MANAGER, run_now))
    add(Subcommand("program remove", "<name>", "delete a programme (its history is kept)",
                   Role.MANAGER, remove_programme))


# --- tips and icebreakers -------------------------------------------------------------------


Runner = Callable[[CommandCall, Turn], Awaitable[str]]


def caller_id(turn: Turn) -> str:
    return turn.event.user.id if isinstance(turn.event, CommandInvoked) else ""


def set_up_built_ins(turn: Turn) -> None:
    """The config's programmes and seed content, for a community the sweep has not seen yet."""
    sync_built_ins(turn.session, turn.config, turn.community.platform, turn.community_id,
                   turn.now)


def queue_add(queue: str) -> Runner:
    async def run(call: CommandCall, turn: Turn) -> str:
        one = QUEUE_WORDS[queue][0]
        set_up_built_ins(turn)
        text = free_text(turn, call.words, skip=2)
        if not text:
            raise UsageError(f"What should the {one} say?")
        if len(text) > content_queue.MAX_ITEM_LENGTH:
            raise UsageError(f"That {one} is {len(text)} characters; keep it under "
                             f"{content_queue.MAX_ITEM_LENGTH}.")
        item = content_queue.add_item(turn.session, turn.community_id, queue, text,
                                      caller_id(turn), turn.now)
        place = [i.id for i in content_queue.upcoming(turn.session, turn.community_id, queue)]
        reply = f"Added {one} #{item.id}; it is number {place.index(item.id) + 1} in line."
        if queue == "tips":
            reply += f" To post it next: `/community tip move {item.id} 1`."
        return reply
    return run


def queue_list(queue: str) -> Runner:
    async def run(call: CommandCall, turn: Turn) -> str:
        many = QUEUE_WORDS[queue][1]
        set_up_built_ins(turn)
        items = content_queue.upcoming(turn.session, turn.community_id, queue)
        if not items:
            command = "tip" if queue == "tips" else "fun"
            return f"No {many} yet. Add one with `/community {command} add <text>`."
        unused = sum(1 for item in items if item.used_at is None)
        lines = [f"{len(items)} {many}, {unused} not posted yet this round (next first):"]
        for place, item in enumerate(items[:SHOWN_ITEMS], start=1):
            used = " (posted; comes round again)" if item.used_at is not None else ""
            lines.append(f"{place}. #{item.id} {shorten(item.text)}{used}")
        if len(items) > SHOWN_ITEMS:
            lines.append(f"…and {len(items) - SHOWN_ITEMS} more.")
        return "\n".join(lines)
    return run


def queue_remove(queue: str) -> Runner:
    async def run(call: CommandCall, turn: Turn) -> str:
        one = QUEUE_WORDS[queue][0]
        if len(call.words) != 1:
            raise UsageError(f"Which {one}? Give its #id from the list.")
        item_id = number_word(call.words[0], one)
        if not content_queue.remove_item(turn.session, turn.community_id, queue, item_id):
            raise UsageError(f"There is no {one} #{item_id}.")
        return f"Removed {one} #{item_id}."
    return run


async def move_tip(call: CommandCall, turn: Turn) -> str:
    if len(call.words) != 2:
        raise UsageError("Give the tip's #id and its new place in line.")
    item_id = number_word(call.words[0], "tip")
    place = number_word(call.words[1], "place")
    if content_queue.find_item(turn.session, turn.community_id, "tips", item_id) is None:
        raise UsageError(f"There is no tip #{item_id}.")
    got = content_queue.move_item(turn.session, turn.community_id, "tips", item_id, place)
    return f"Tip #{item_id} is now number {got} in line."


def where(programme: Programme) -> Text:
    """The programme's channel as a mention: given as one on Discord, it has only an id."""
    return Text((ChannelRef(id=programme.channel_id, name=programme.channel_name or None),))


def shorten(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# --- programmes -----------------------------------------------------------------------------


def programme_named(turn: Turn, words: tuple[str, ...]) -> Programme:
    if len(words) != 1:
        raise UsageError("Which programme? Give its name (see `/community program list`).")
    set_up_built_ins(turn)
    found = find_programme(turn.session, turn.community_id, words[0])
    if found is None or found.removed:
        names = ", ".join(p.name for p in programmes_of(turn.session, turn.community_id))
        raise UsageError(f"There is no programme {words[0]!r}. Programmes: {names or 'none'}.")
    return found


def take_owner(words: list[str]) -> tuple[list[str], str]:
    if "--owner" not in words:
        return words, ""
    at = words.index("--owner")
    if at + 1 >= len(words):
        raise UsageError("--owner needs a member, like --owner @ana")
    return words[:at] + words[at + 2:], user_word(words[at + 1])


async def add_programme(call: CommandCall, turn: Turn) -> Text | str:
    set_up_built_ins(turn)
    words, owner = take_owner(list(call.words))
    if len(words) < 3:
        raise UsageError("A programme needs a name, a channel, a cadence and what to post.")
    name = words[0].lower()
    if not PROGRAMME_NAME.match(name):
        raise UsageError(f"{words[0]!r}: a name is lowercase letters, digits and -, "
                         "at most 40, like standup-notes")
    channel_name, channel_id = channel_word(words[1])
    cron, rest = take_cron(words[2:])
    content = " ".join(rest).strip()
    if not content:
        raise UsageError("Say what to post: a text, or tips, icebreakers or newcomers.")
    if len(content) > MAX_TEXT:
        raise UsageError(f"The text is {len(content)} characters; keep it under {MAX_TEXT}.")
    source = content.lower() if content.lower() in SOURCES[:3] else "text"
    title = name.replace("-", " ").title()
    programme = Programme(
        community_id=turn.community_id, name=name, title=title, source=source,
        text=content if source == "text" else DEFAULT_TEMPLATES[source].replace("{title}", title),
        channel_name=channel_name, channel_id=channel_id, cron=cron,
        timezone=turn.config.community.timezone, owner_external_id=owner,
        active_since=turn.now, created_by=caller_id(turn), created_at=turn.now,
    )
    try:
        cadence = parse_cadence(cron, programme.timezone)
    except CadenceError as exc:
        raise UsageError(str(exc)) from None
    gap = cadence.shortest_gap(turn.now)
    if gap is not None and gap < MIN_GAP:
        raise UsageError(f'"{cron}" would post every {describe_gap(gap)}; a programme posts '
                         "at most once an hour.")
    await check_channel_exists(turn, channel_name)
    existing = find_programme(turn.session, turn.community_id, name)
    if existing is not None and not existing.removed:
        raise UsageError(f"There already is a programme {name!r}; remove it first or pick "
                         "another name.")
    if existing is not None:
        # A removed one: the name is reused and its history kept; a built-in re-added by hand
        # no longer follows the config.
        for key, value in programme.model_dump(exclude={"id"}).items():
            setattr(existing, key, value)
    else:
        turn.session.add(programme)
    turn.session.flush()
    first = cadence.next_after(turn.now)
    when = describe_time(first, programme.timezone) if first else "never (check the cadence)"
    return Text((f"Added {title} ({name}): posts in ",)) + where(programme) + (
        f", first on {when}.")


async def check_channel_exists(turn: Turn, name: str) -> None:
    chat = turn.ctx.chats.get(turn.community.platform)
    if chat is None or not name:
        return
    try:
        found = await chat.resolve_channel(turn.community, name)
    except ChatError:
        return  # cannot tell now; the sender reports a missing channel when it posts
    if found is None:
        raise UsageError(f"There is no channel #{name} here.")


async def list_programmes(call: CommandCall, turn: Turn) -> Text | str:
    set_up_built_ins(turn)
    programmes = programmes_of(turn.session, turn.community_id)
    if not programmes:
        return "No programmes. Add one with `/community program add`."
    reply = Text(("Programmes:",))
    for programme in programmes:
        cadence = cadence_of(programme)
        if is_running(turn.config, programme) and cadence is not None:
            upcoming = cadence.next_after(max(turn.now, programme.active_since))
            state = f"next {describe_time(upcoming, programme.timezone)}" if upcoming else "done"
        elif programme.paused:
            state = "paused"
        else:
            state = "off in the config"
        reply += f"\n• {programme.name} — {programme.title} in "
        reply += where(programme) + f", `{programme.cron}` ({programme.source}"
        if programme.owner_external_id:
            owner = member_ref(turn.session, turn.community_id, programme.owner_external_id)
            reply += Text((", owner ", owner))
        reply += f"); {state}"
    if not turn.config.programming.enabled:
        reply += "\nProgramming is turned off in the config ([programming] enabled = false)."
    return reply


async def pause_programme(call: CommandCall, turn: Turn) -> str:
    programme = programme_named(turn, call.words)
    if programme.paused:
        return f"{programme.title} is already paused."
    programme.paused = True
    turn.session.flush()
    return f"Paused {programme.title}. `/community program resume {programme.name}` restarts it."


async def resume_programme(call: CommandCall, turn: Turn) -> str:
    programme = programme_named(turn, call.words)
    if not programme.paused:
        return f"{programme.title} is not paused."
    programme.paused = False
    programme.active_since = turn.now  # what was due while paused is not posted late
    turn.session.flush()
    cadence = cadence_of(programme)
    upcoming = cadence.next_after(turn.now) if cadence else None
    when = f" Next post {describe_time(upcoming, programme.timezone)}." if upcoming else ""
    return f"Resumed {programme.title}.{when}"


async def remove_programme(call: CommandCall, turn: Turn) -> str:
    programme = programme_named(turn, call.words)
    programme.removed = True
    turn.session.flush()
    note = " It stays off although the config lists it." if programme.from_config else ""
    return f"Removed {programme.title}.{note}"


async def run_now(call: CommandCall, turn: Turn) -> Text | str:
    programme = programme_named(turn, call.words)
    outcome, detail = post_occurrence(
        turn.session, turn.config, turn.outbox, programme, turn.community.platform, turn.now,
        now=turn.now, manual=True,
    )
    if outcome is Outcome.POSTED:
        return Text((f"Posted {programme.title} to ",)) + where(programme) + "."
    if outcome is Outcome.EMPTY:
        return f"{programme.title} has nothing to post right now: {detail}."
    return f"{programme.title} was posted a moment ago already."
