"""Interactions: the /community command tree, the "Flag message" context menu, buttons and
forms, each answered within Discord's 3 seconds.

A modal can only be the FIRST answer to an interaction, which decides the order:
- `/community …` and form submissions cannot open a form: they are deferred at once, with an
  ephemeral "thinking…" placeholder that the reply, sent later by the outbox, fills; a form
  opened from a button is acknowledged silently instead (its handler may answer nothing, e.g.
  a moderator's warning that only updates the case post).
- "Flag message" and buttons may open a form, so they are not deferred first. The event is
  dispatched; a handler's `turn.open_form` sends the modal as the first answer (after commit,
  still inside the dispatch). If the handlers finish without answering, or `DEFER_AFTER`
  seconds pass, the adapter acknowledges instead: a silent update for a button, "thinking…"
  for the context menu. An ephemeral reply sent before that becomes the first answer itself.
`Live` holds each interaction this process received, with a lock so that exactly one of these
paths answers first.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands

from bot.chat import Form, PermanentError
from bot.commands import CommandRegistry, Subcommand
from bot.events import Event, InteractionRef
from bot.platforms.discord import translate
from bot.platforms.discord.inbound import Inbound
from bot.platforms.discord.translate import Place
from bot.roles import Role
from bot.router import DispatchResult

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0  # seconds a handler may take to open a form before the adapter defers
TOKEN_LIFETIME = 15 * 60  # an interaction token answers follow-ups for 15 minutes
STASH_LIFETIME = 24 * 3600  # how long an open form's long context is kept
MAX_CUSTOM_ID = 100
FLAG_MESSAGE = "Flag message"
MAX_CHILDREN = 25  # subcommands (and groups) per level
# Discord's own first gate: guild-only, for members who may send messages. Server admins can
# narrow it under Server Settings → Integrations; the role check in the core decides every
# subcommand.
FIRST_GATE = discord.Permissions(send_messages=True)

Runner = Callable[[discord.Interaction, str], Awaitable[None]]
Fallback = Callable[[discord.Interaction, DispatchResult | None], Awaitable[object]]


@dataclass
class Live:
    interaction: discord.Interaction
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    created: float = field(default_factory=time.monotonic)


class FormContexts:
    """A modal's custom id carries `form_id:context` back with the submission when it fits
    Discord's 100 characters. A longer context (a flag's JSON) waits here, in the process that
    opened the form, under a short token: submissions come back to the shard, and so the
    process, that opened it. After a restart such a form comes back without its context."""

    STASHED = "@ctx:"

    def __init__(self) -> None:
        self._stash: dict[str, tuple[str, float]] = {}

    def custom_id(self, form: Form) -> str:
        if ":" in form.form_id:
            raise PermanentError(f"form id {form.form_id!r} must not contain ':'")
        inline = f"{form.form_id}:{form.context}"
        if len(inline) <= MAX_CUSTOM_ID and not form.context.startswith(self.STASHED):
            return inline
        cutoff = time.monotonic() - STASH_LIFETIME
        for key in [k for k, (_, at) in self._stash.items() if at < cutoff]:
            del self._stash[key]
        token = hashlib.blake2b(form.context.encode("utf-8"), digest_size=8).hexdigest()
        self._stash[token] = (form.context, time.monotonic())
        stashed = f"{form.form_id}:{self.STASHED}{token}"
        if len(stashed) > MAX_CUSTOM_ID:
            raise PermanentError(f"form id {form.form_id!r} is too long for Discord")
        return stashed

    def resolve(self, custom_id: str) -> tuple[str, str]:
        """(form id, context) of a submitted modal."""
        form_id, _, context = custom_id.partition(":")
        if not context.startswith(self.STASHED):
            return form_id, context
        found = self._stash.get(context.removeprefix(self.STASHED))
        if found is None:
            log.warning("form %r came back without its context (opened before a restart?)",
                        form_id)
            return form_id, ""
        return form_id, found[0]


class LiveInteractions:
    """Interactions received by this process whose tokens are still valid, and the contexts
    of the forms it opened."""

    def __init__(self) -> None:
        self._live: dict[int, Live] = {}
        self.forms = FormContexts()

    def add(self, interaction: discord.Interaction) -> Live:
        cutoff = time.monotonic() - TOKEN_LIFETIME
        for key in [k for k, v in self._live.items() if v.created < cutoff]:
            del self._live[key]
        live = self._live[interaction.id] = Live(interaction)
        return live

    def get(self, ref: InteractionRef) -> Live | None:
        return self._live.get(split_ref(ref)[0])


def split_ref(ref: InteractionRef) -> tuple[int, str]:
    """(interaction id, interaction token) from a reference `translate` made."""
    head, _, token = ref.token.partition(":")
    if not head.isdigit() or not token:
        raise PermanentError("not a Discord interaction reference")
    return int(head), token


# --- the /community tree ----------------------------------------------------------------------


def leaf_command(name: str, sub: Subcommand, run: Runner) -> app_commands.Command:
    """One subcommand; its arguments are one text option, read by the same core parser as on
    every platform (the usage line is the option's description)."""
    prefix, usage = sub.name, sub.usage.strip()

    if not usage:
        async def callback(interaction: discord.Interaction) -> None:
            await run(interaction, prefix)
    elif any(word.startswith("<") for word in usage.split()):
        async def callback(interaction: discord.Interaction, arguments: str) -> None:
            await run(interaction, f"{prefix} {arguments}")
    else:
        async def callback(interaction: discord.Interaction, arguments: str | None = None) -> None:
            await run(interaction, f"{prefix} {arguments or ''}".strip())

    if usage:
        app_commands.describe(arguments=usage[:100])(callback)
    return app_commands.Command(
        name=name, description=(sub.summary or sub.name)[:100], callback=callback
    )


def _add(parent: app_commands.Group, child: app_commands.Command | app_commands.Group) -> bool:
    if len(parent.commands) >= MAX_CHILDREN:
        log.warning("/%s has %d entries already (Discord's limit): /%s %s not offered",
                    parent.qualified_name, MAX_CHILDREN, parent.qualified_name, child.name)
        return False
    parent.add_command(child)
    return True


def community_group(commands: list[Subcommand], run: Runner) -> app_commands.Group:
    """`/community` with one subcommand per registered one: `tip add` becomes the `add`
    subcommand of a `tip` group, unless `tip` is itself a command (then `tip-add`)."""
    root = app_commands.Group(
        name="community", description="The community bot: run /community help",
        guild_only=True, default_permissions=FIRST_GATE,
    )
    singles = {c.name.lower() for c in commands if len(c.name.split()) == 1}
    groups: dict[str, app_commands.Group] = {}
    for sub in commands:
        words = sub.name.lower().split()
        parent, name = root, "-".join(words)
        if len(words) > 1 and words[0] not in singles:
            if words[0] not in groups:
                group = app_commands.Group(name=words[0], description=f"/community {words[0]} …")
                if not _add(root, group):
                    continue
                groups[words[0]] = group
            parent, name = groups[words[0]], "-".join(words[1:])
        try:
            _add(parent, leaf_command(name, sub, run))
        except (ValueError, TypeError) as exc:
            log.warning("/community %s cannot be offered on Discord: %s", sub.name, exc)
    return root


# --- answering ----------------------------------------------------------------------------------


class Interactions:
    def __init__(self, client: discord.Client, inbound: Inbound, live: LiveInteractions) -> None:
        self.client = client
        self.inbound = inbound
        self.live = live
        self.tree = app_commands.CommandTree(client)
        self.synced: set[int] = set()
        self._background: set[asyncio.Task[Any]] = set()

    def install(self, commands: CommandRegistry) -> None:
        """Build the tree from every registered subcommand (call after features registered)."""
        self.tree.clear_commands(guild=None)
        self.tree.add_command(community_group(commands.visible_to(Role.MANAGER), self.command))

        async def flag_message(interaction: discord.Interaction, message: discord.Message) -> None:
            await self.flag_message(interaction, message)

        menu = app_commands.ContextMenu(name=FLAG_MESSAGE, callback=flag_message)
        menu.guild_only = True
        menu.default_permissions = FIRST_GATE
        self.tree.add_command(menu)

    async def sync(self, guild: discord.abc.Snowflake) -> None:
        """Register the commands in one server (per-guild commands update at once)."""
        if guild.id in self.synced:
            return
        self.tree.copy_global_to(guild=guild)
        try:
            await self.tree.sync(guild=guild)
        except discord.Forbidden as exc:
            log.warning(
                "cannot register /community in server %s (%s): invite the bot with the "
                "applications.commands scope (`community-bot discord invite-url`)", guild.id, exc,
            )
            return
        except discord.HTTPException as exc:
            log.warning("registering /community in server %s failed: %s", guild.id, exc)
            return
        self.synced.add(guild.id)
        log.info("registered /community and %r in server %s", FLAG_MESSAGE, guild.id)

    def _keep(self, task: asyncio.Task[Any]) -> None:
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _place(self, interaction: discord.Interaction) -> Place | None:
        found = interaction.channel
        if found is None or isinstance(found, discord.PartialMessageable):
            if interaction.channel_id is None:
                return None
            return await self.inbound.place(interaction.channel_id)
        return translate.place(found)

    async def _acknowledge(self, live: Live, *, silently: bool = False) -> None:
        """Defer with an ephemeral "thinking…" placeholder (or, `silently`, with none),
        unless already answered."""
        async with live.lock:
            if live.interaction.response.is_done():
                return
            try:
                await live.interaction.response.defer(ephemeral=True, thinking=not silently)
            except discord.HTTPException as exc:
                log.warning("could not acknowledge interaction %s in time: %s",
                            live.interaction.id, exc)

    async def command(self, interaction: discord.Interaction, args: str) -> None:
        """`/community …`: acknowledged at once, then the core answers through the outbox."""
        live = self.live.add(interaction)
        await self._acknowledge(live)
        where = self.inbound.community_of(interaction.guild_id, interaction.user.id)
        at_place = await self._place(interaction)
        event = None
        if where is not None and at_place is not None:
            event = translate.command_invoked(
                where, interaction, at_place, args, self.inbound.now()
            )
        await self.inbound.deliver(event)

    async def flag_message(self, interaction: discord.Interaction, target: discord.Message) -> None:
        live = self.live.add(interaction)
        where = self.inbound.community_of(interaction.guild_id, interaction.user.id)
        at_place = await self.inbound.place(target.channel.id)
        event = None
        if where is not None and at_place is not None:
            event = translate.message_shortcut(
                where, interaction, target, at_place, self.inbound.now()
            )
        await self._dispatch_then_answer(live, event, self._shortcut_fallback)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Buttons and form submissions (the tree runs application commands itself)."""
        if interaction.type is discord.InteractionType.component:
            live = self.live.add(interaction)
            where = self.inbound.community_of(interaction.guild_id, interaction.user.id)
            at_place = await self._place(interaction)
            event = None
            if where is not None:
                event = translate.action_clicked(where, interaction, at_place, self.inbound.now())
            await self._dispatch_then_answer(live, event, _acknowledge_click)
        elif interaction.type is discord.InteractionType.modal_submit:
            live = self.live.add(interaction)
            # A submission cannot open another form. One from a button's form may be answered
            # with nothing but an update of that message: no placeholder then.
            await self._acknowledge(live, silently=interaction.message is not None)
            where = self.inbound.community_of(interaction.guild_id, interaction.user.id)
            form_id, context = self.live.forms.resolve(
                str((interaction.data or {}).get("custom_id") or "")
            )
            event = None
            if where is not None:
                event = translate.form_submitted(
                    where, interaction, form_id, context, self.inbound.now()
                )
            await self.inbound.deliver(event)

    async def _dispatch_then_answer(
        self, live: Live, event: Event | None, fallback: Fallback
    ) -> None:
        """Let handlers answer first (a form must be the first answer); otherwise acknowledge
        after they finish or after `DEFER_AFTER` seconds, whichever comes first."""
        task = asyncio.create_task(self.inbound.deliver(event))
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
        result = task.result() if task in done else None
        if task not in done:
            self._keep(task)
            log.info("interaction %s still being handled after %.1fs: acknowledging",
                     live.interaction.id, DEFER_AFTER)
        async with live.lock:
            if live.interaction.response.is_done():
                return
            try:
                await fallback(live.interaction, result)
            except discord.HTTPException as exc:
                log.warning("could not acknowledge interaction %s: %s", live.interaction.id, exc)

    @staticmethod
    async def _shortcut_fallback(
        interaction: discord.Interaction, result: DispatchResult | None
    ) -> None:
        if result is not None and not result.duplicate and not result.handled_by:
            await interaction.response.send_message(
                "Nothing handles this action here yet.", ephemeral=True
            )
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)


async def _acknowledge_click(
    interaction: discord.Interaction, result: DispatchResult | None
) -> None:
    await interaction.response.defer()  # a silent acknowledgement: nothing visibly changes
