"""Slash commands and interactivity (buttons, message shortcuts, modal submissions) → neutral
events. These payloads have no event_id: each gets one from its trigger_id, unique per use, so
a delivery that arrives twice has effect once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.events import (
    ActionClicked,
    CommandInvoked,
    Event,
    FormSubmitted,
    InteractionRef,
    MessageRef,
    MessageShortcut,
    UserRef,
)
from bot.platforms.slack.translate import (
    DUPLICATE_ACTION,
    Installation,
    Malformed,
    Payload,
    at_ts,
    channel_ref,
    digest,
    from_a_bot,
    interaction_of,
    mapping_at,
    plain_text,
    require,
    thread_of,
)

log = logging.getLogger(__name__)


def slash_command(form: Payload, installation: Installation, now: datetime) -> CommandInvoked:
    """A slash command's form fields; `event_id` comes from its trigger, unique per use."""
    trigger = str(form.get("trigger_id") or "")
    return CommandInvoked(
        event_id=f"command:{trigger or digest(form)}",
        community=installation.community(form.get("team_id")), at=now,
        user=UserRef(str(require(form, "user_id"))),
        channel=channel_ref(str(require(form, "channel_id")), form.get("channel_name")),
        command=str(require(form, "command")).lstrip("/"), args=str(form.get("text") or ""),
        interaction=interaction_of(form),
    )


def _action_value(action: Payload) -> str:
    for key in ("value", "selected_user", "selected_channel", "selected_conversation",
                "selected_date", "selected_time"):
        if action.get(key):
            return str(action[key])
    option = mapping_at(action, "selected_option")
    return str(option.get("value") or "")


def block_actions(payload: Payload, installation: Installation, now: datetime) -> list[Event]:
    """Button clicks; one payload may carry several actions."""
    user = UserRef(str(require(mapping_at(payload, "user"), "id")))
    container = mapping_at(payload, "container")
    channel_id = mapping_at(payload, "channel").get("id") or container.get("channel_id")
    channel = channel_ref(str(channel_id), mapping_at(payload, "channel").get("name")) \
        if channel_id else None
    message_ts = container.get("message_ts") or mapping_at(payload, "message").get("ts")
    message = None
    if channel is not None and message_ts:
        message = MessageRef(channel, str(message_ts),
                             thread_of(mapping_at(payload, "message"), str(message_ts)))
    interaction = interaction_of(payload)
    base = interaction.trigger or digest(payload)
    actions = payload.get("actions")
    if not isinstance(actions, list) or not actions:
        raise Malformed("block_actions without actions")
    return [
        ActionClicked(
            event_id=f"action:{base}:{index}", community=installation.community(
                mapping_at(payload, "team").get("id")),
            at=at_ts(action.get("action_ts"), now), user=user, channel=channel,
            action_id=DUPLICATE_ACTION.sub("", str(require(action, "action_id"))),
            value=_action_value(action), message=message, interaction=interaction,
        )
        for index, action in enumerate(actions) if isinstance(action, Mapping)
    ]


def message_shortcut(payload: Payload, installation: Installation, now: datetime) -> Event | None:
    """A message shortcut ("Flag message"); global shortcuts are not used by the bot."""
    if payload.get("type") != "message_action":
        log.debug("ignoring %s shortcut %s", payload.get("type"), payload.get("callback_id"))
        return None
    found = mapping_at(payload, "message")
    channel_data = mapping_at(payload, "channel")
    ts = str(payload.get("message_ts") or require(found, "ts"))
    channel = channel_ref(str(require(channel_data, "id")), channel_data.get("name"))
    author = None if from_a_bot(found, installation) or not found.get("user") \
        else UserRef(str(found["user"]))
    interaction = interaction_of(payload)
    return MessageShortcut(
        event_id=f"shortcut:{interaction.trigger or digest(payload)}",
        community=installation.community(mapping_at(payload, "team").get("id")),
        at=at_ts(payload.get("action_ts"), now),
        user=UserRef(str(require(mapping_at(payload, "user"), "id"))),
        shortcut_id=str(require(payload, "callback_id")),
        message=MessageRef(channel, ts, thread_of(found, ts)), author=author,
        text=plain_text(str(found.get("text") or "")), interaction=interaction,
    )


def form_values(state_values: Any) -> dict[str, str]:
    """`view.state.values` ({block_id: {action_id: state}}) by block id, which is the field id."""
    values: dict[str, str] = {}
    if not isinstance(state_values, Mapping):
        return values
    for block_id, actions in state_values.items():
        if not isinstance(actions, Mapping):
            continue
        for state in actions.values():
            if not isinstance(state, Mapping):
                continue
            many = state.get("selected_options") or state.get("selected_users") or []
            if many:
                values[block_id] = ",".join(
                    str(o.get("value")) if isinstance(o, Mapping) else str(o) for o in many
                )
            else:
                values[block_id] = _action_value(state)
    return values


def view_submission(payload: Payload, installation: Installation, now: datetime) -> Event:
    """A submitted modal: its `private_metadata` carries the form's context."""
    view = payload.get("view")
    if not isinstance(view, Mapping):
        raise Malformed("view_submission without a view")
    urls = payload.get("response_urls") or []
    first_url = urls[0].get("response_url", "") if urls and isinstance(urls[0], Mapping) else ""
    trigger = str(payload.get("trigger_id") or "")
    return FormSubmitted(
        event_id=f"view:{trigger or digest(payload)}",
        community=installation.community(mapping_at(payload, "team").get("id")), at=now,
        user=UserRef(str(require(mapping_at(payload, "user"), "id"))),
        form_id=str(require(view, "callback_id")),
        values=form_values(mapping_at(view, "state").get("values")),
        context=str(view.get("private_metadata") or ""),
        interaction=InteractionRef(token=str(first_url), trigger=trigger),
    )
