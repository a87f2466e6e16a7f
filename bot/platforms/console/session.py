"""The console REPL: typed lines become platform-neutral events; the bot's output is printed
with who sees it. `community-bot console` reads from a terminal or a pipe."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape

from bot.cadence import next_local_time
from bot.clock import ManualClock, OffsetClock, parse_duration
from bot.context import BotContext
from bot.events import (
    ActionClicked,
    ChannelRef,
    CommandInvoked,
    Event,
    FormSubmitted,
    InteractionRef,
    MemberJoined,
    MemberLeft,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    ReactionAdded,
    ReactionRemoved,
    UserRef,
)
from bot.handlers.flagging import FLAG_FORM_ID, flag_form_context
from bot.jobs import settle
from bot.platforms.console.workspace import ConsoleMessage, ConsoleWorkspace, ShownButton

HELP = """\
Type a message to post it in the current channel, or a command:
  /as NAME              act as NAME (new names are created)
  /join [NAME]          NAME (default: you) joins the workspace
  /leave [NAME]         NAME leaves the workspace
  /in CHANNEL           switch channel (/channels lists them)
  /reply N TEXT         reply in the thread of message N (N: a number, or `last`)
  /edit N TEXT          edit your message N
  /delete N             delete your message N
  /react N EMOJI        react to message N (e.g. /react 3 ✅)
  /unreact N EMOJI      remove your reaction
  /flag N REASON [NOTE] flag message N privately (REASON: spam, harassment, off-topic, other)
  /dm TEXT              write to the bot privately (e.g. answer its DM)
  /submit [FIELD=]TEXT  send the form a button opened (e.g. after Warn author: /submit be kind)
  /click N|LABEL        press button N, or the latest button with that label
  /community ARGS       run a bot command (/community help)
  /advance DURATION     move the clock forward (90s, 15m, 2h, 3d, 1w) and run due jobs
  /advance-to [DAY] HH:MM  move the clock to the next such time (community time zone)
  /time                 show the bot's clock
  /who                  who you are, where you are, who is here
  /help                 this text
  /quit                 leave the console"""


@dataclass
class Actor:
    user: UserRef
    channel: ChannelRef


class ConsoleSession:
    def __init__(
        self, ctx: BotContext, workspace: ConsoleWorkspace, clock: OffsetClock | ManualClock,
        console: Console | None = None,
    ) -> None:
        self.ctx = ctx
        self.workspace = workspace
        self.clock = clock
        self.out = console or Console(highlight=False)
        self.actor = Actor(workspace.user("you"), workspace.channel("general"))
        self._run = uuid.uuid4().hex[:8]
        self._count = 0
        self.running = True

    # --- output -------------------------------------------------------------------------

    def show(self, message: ConsoleMessage, buttons: list[ShownButton]) -> None:
        """How the workspace displays a message, with who can see it."""
        if message.audience.startswith("dm:"):
            where = f"[magenta]DM to {message.audience[3:]} (only they see this)[/]"
        elif message.audience.startswith("only:"):
            viewer = message.audience[5:]
            where = f"[yellow]#{message.ref.channel.name} (only {viewer} sees this)[/]"
        else:
            where = f"[cyan]#{message.ref.channel.name}[/]"
            if message.ref.thread_id:
                where += f" [dim]thread of {self._thread_number(message.ref.thread_id)}[/]"
        who = "[bold green]🤖 bot[/]" if message.author.is_bot else f"[bold]{message.author.id}[/]"
        if message.deleted:
            self.out.print(f"[dim]{message.number:>3}[/] {where} [red](message removed)[/]")
            return
        self.out.print(f"[dim]{message.number:>3}[/] {where} {who}: {escape(message.text)}")
        for shown in buttons:
            self.out.print(f"      [reverse] {shown.number}: {escape(shown.button.label)} [/]"
                           f" [dim](/click {shown.number})[/]")

    def _thread_number(self, thread_id: str) -> str:
        for message in self.workspace.messages:
            if message.ref.id == thread_id:
                return f"#{message.number}"
        return thread_id

    def say(self, text: str) -> None:
        self.out.print(f"[dim]» {escape(text)}[/]")

    # --- input --------------------------------------------------------------------------

    def _event_id(self) -> str:
        self._count += 1
        return f"console-{self._run}-{self._count}"

    def _base(self) -> dict[str, object]:
        return {"event_id": self._event_id(), "community": self.workspace.community,
                "at": self.clock.now()}

    async def handle_line(self, line: str) -> None:
        """One typed line: its event (if any), then due jobs, then the bot's output."""
        line = line.strip()
        if not line:
            return
        try:
            event = self._parse(line)
        except ValueError as exc:
            self.say(str(exc))
            return
        if event is not None:
            await self.ctx.router.dispatch(self.ctx, event)
        await self.settle()

    async def settle(self) -> None:
        """Run due jobs and deliver everything the bot queued."""
        await settle(self.ctx)

    def _parse(self, line: str) -> Event | None:
        if not line.startswith("/"):
            return self._post(line, thread_id=None)
        name, _, rest = line[1:].partition(" ")
        handler: Callable[[str], Event | None] | None = getattr(
            self, "_cmd_" + name.lower().replace("-", "_"), None
        )
        if handler is None:
            raise ValueError(f"unknown console command /{name}; /help lists them")
        return handler(rest.strip())

    def _post(self, text: str, thread_id: str | None) -> Event:
        message = self.workspace.record(self.actor.channel, self.actor.user, text,
                                        thread_id=thread_id)
        return MessagePosted(**self._base(), message=message.ref, author=self.actor.user,
                             text=text)

    def _number_and_text(self, rest: str, usage: str) -> tuple[int, str]:
        """`N TEXT`, where N is a message number or `last` (the latest member message here)."""
        number, _, text = rest.partition(" ")
        if number.lower() == "last":
            return self._last_member_message(), text.strip()
        if not number.lstrip("#").isdigit():
            raise ValueError(f"usage: {usage} (N is a message number or `last`)")
        return int(number.lstrip("#")), text.strip()

    def _last_member_message(self) -> int:
        for message in reversed(self.workspace.messages):
            if (message.audience == "channel" and not message.author.is_bot
                    and message.ref.channel.id == self.actor.channel.id and not message.deleted):
                return message.number
        raise ValueError(f"no member message in #{self.actor.channel.name} yet")

    def _cmd_help(self, rest: str) -> None:
        self.out.print(escape(HELP))

    def _cmd_quit(self, rest: str) -> None:
        self.running = False

    _cmd_exit = _cmd_quit

    def _cmd_as(self, rest: str) -> None:
        self.actor.user = self.workspace.user(rest or "you")
        self.say(f"you are now {self.actor.user.id}")

    def _cmd_in(self, rest: str) -> None:
        self.actor.channel = self.workspace.channel(rest or "general")
        self.say(f"now in #{self.actor.channel.name}")

    def _cmd_channels(self, rest: str) -> None:
        self.say("channels: " + ", ".join("#" + c for c in sorted(self.workspace.channels)))

    def _cmd_who(self, rest: str) -> None:
        people = ", ".join(u for u in sorted(self.workspace.users) if u != "bot")
        self.say(f"you are {self.actor.user.id} in #{self.actor.channel.name}; here: {people}")

    def _cmd_time(self, rest: str) -> None:
        self.say(f"bot clock: {self.clock.now():%A %Y-%m-%d %H:%M} UTC")

    def _cmd_join(self, rest: str) -> Event:
        user = self.workspace.user(rest) if rest else self.actor.user
        self.say(f"{user.id} joined the workspace")
        return MemberJoined(**self._base(), user=user)

    def _cmd_leave(self, rest: str) -> Event:
        user = self.workspace.user(rest) if rest else self.actor.user
        self.say(f"{user.id} left the workspace")
        return MemberLeft(**self._base(), user=user)

    def _cmd_reply(self, rest: str) -> Event:
        number, text = self._number_and_text(rest, "/reply N TEXT")
        if not text:
            raise ValueError("usage: /reply N TEXT")
        root = self.workspace.message(number).ref
        self.actor.channel = self.workspace.channels.get(root.channel.id, self.actor.channel)
        return self._post(text, thread_id=root.thread_id or root.id)

    def _own(self, number: int) -> ConsoleMessage:
        message = self.workspace.message(number)
        if message.author.id != self.actor.user.id:
            raise ValueError(f"message #{number} is not yours")
        return message

    def _cmd_edit(self, rest: str) -> Event:
        number, text = self._number_and_text(rest, "/edit N TEXT")
        message = self._own(number)
        message.text = text
        self.show(message, [])
        return MessageEdited(**self._base(), message=message.ref, text=text,
                             editor=self.actor.user)

    def _cmd_delete(self, rest: str) -> Event:
        number, _ = self._number_and_text(rest, "/delete N")
        message = self._own(number)
        message.deleted = True
        self.show(message, [])
        return MessageDeleted(**self._base(), message=message.ref)

    def _cmd_react(self, rest: str) -> Event:
        number, emoji = self._number_and_text(rest, "/react N EMOJI")
        if not emoji:
            raise ValueError("usage: /react N EMOJI")
        message = self.workspace.message(number)
        message.reactions.setdefault(emoji, set()).add(self.actor.user.id)
        self.say(f"{self.actor.user.id} reacted {emoji} to #{number}")
        return ReactionAdded(**self._base(), message=message.ref, user=self.actor.user,
                             emoji=emoji.strip(":"))

    def _cmd_unreact(self, rest: str) -> Event:
        number, emoji = self._number_and_text(rest, "/unreact N EMOJI")
        message = self.workspace.message(number)
        message.reactions.get(emoji, set()).discard(self.actor.user.id)
        return ReactionRemoved(**self._base(), message=message.ref, user=self.actor.user,
                               emoji=emoji.strip(":"))

    def _visible(self, shown: ShownButton) -> bool:
        return shown.audience == "channel" or shown.audience.split(":", 1)[1] == self.actor.user.id

    def _cmd_click(self, rest: str) -> Event:
        """`/click N`, or `/click LABEL` for the latest button with that label you can see."""
        if rest.isdigit() and 1 <= int(rest) <= len(self.workspace.buttons):
            shown = self.workspace.buttons[int(rest) - 1]
        else:
            matches = [b for b in self.workspace.buttons
                       if rest and b.button.label.lower() == rest.lower() and self._visible(b)]
            if not matches:
                raise ValueError("usage: /click N or /click LABEL, for a button shown above")
            shown = matches[-1]
        if not self._visible(shown):
            raise ValueError(f"button {rest} is not visible to {self.actor.user.id}")
        return ActionClicked(
            **self._base(), user=self.actor.user, channel=shown.message.channel,
            action_id=shown.button.action_id, value=shown.button.value, message=shown.message,
            interaction=InteractionRef(token=self._event_id()),
        )

    def _cmd_community(self, rest: str) -> Event:
        return CommandInvoked(
            **self._base(), user=self.actor.user, channel=self.actor.channel,
            command="community", args=rest, interaction=InteractionRef(token=self._event_id()),
        )

    def _cmd_flag(self, rest: str) -> Event:
        """The "Flag message" form, filled in and submitted: the same event Slack and Discord
        deliver when a member submits it."""
        usage = "/flag N REASON [NOTE] (REASON: spam, harassment, off-topic, other)"
        number, text = self._number_and_text(rest, usage)
        reason, _, note = text.partition(" ")
        if not reason:
            raise ValueError(f"usage: {usage}")
        message = self.workspace.message(number)
        self.say(f"{self.actor.user.id} flagged #{number} privately")
        return FormSubmitted(
            **self._base(), user=self.actor.user, form_id=FLAG_FORM_ID,
            values={"reason": reason, "note": note.strip()},
            context=flag_form_context(message.ref),
            interaction=InteractionRef(token=self._event_id()),
        )

    def _cmd_dm(self, rest: str) -> Event:
        """A direct message from the acting member to the bot."""
        if not rest:
            raise ValueError("usage: /dm TEXT")
        user = self.actor.user
        channel = ChannelRef(id=f"dm-{user.id}", name=f"dm-{user.id}", is_dm=True)
        message = self.workspace.record(channel, user, rest, audience=f"dm:{user.id}")
        return MessagePosted(**self._base(), message=message.ref, author=user, text=rest)

    def _cmd_submit(self, rest: str) -> Event:
        """Submit the form the bot opened last: `FIELD=text` fills a field; text before any
        `FIELD=` fills the form's first text field."""
        if not self.workspace.forms:
            raise ValueError("no form is open (buttons such as Warn author open one)")
        interaction, form = self.workspace.forms[-1]
        names = {f.field_id for f in form.fields}
        current = next((f.field_id for f in form.fields if f.kind != "select"), None)
        values: dict[str, str] = {}
        for word in rest.split():
            name, equals, value = word.partition("=")
            if equals and name in names:
                current, values[name] = name, value
            elif current is not None:
                values[current] = f"{values.get(current, '')} {word}".strip()
        self.workspace.forms.pop()
        self.say(f"{self.actor.user.id} submitted the form “{form.title}”")
        return FormSubmitted(
            **self._base(), user=self.actor.user, form_id=form.form_id, values=values,
            context=form.context, interaction=interaction,
        )

    def _cmd_advance(self, rest: str) -> None:
        delta = parse_duration(rest)
        self.clock.advance(delta)
        self.say(f"clock moved {rest} to {self.clock.now():%A %Y-%m-%d %H:%M} UTC")

    def _cmd_advance_to(self, rest: str) -> None:
        zone = self.ctx.config.community.timezone
        target = next_local_time(self.clock.now(), zone, rest)
        self.clock.advance(target - self.clock.now())
        self.say(f"clock moved to {target.astimezone(ZoneInfo(zone)):%A %Y-%m-%d %H:%M} {zone}")
