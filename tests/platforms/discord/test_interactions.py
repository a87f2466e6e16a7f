"""Interactions through the real client: /community subcommands (Discord's permission gate
first, our role check decides), the "Flag message" context menu and its modal, buttons."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.commands import CommandCall, Subcommand
from bot.context import Turn
from bot.events import ActionClicked, FormSubmitted
from bot.roles import Role
from bot.text import Button, Text
from storage.models import Message
from storage.moderation_tables import ModFlag
from tests.fakes.discord_server import EPHEMERAL
from tests.platforms.discord.conftest import DiscordWorld


async def probe(call: CommandCall, turn: Turn) -> str:
    return f"probed {' '.join(call.words)}"


def spy(world: DiscordWorld, event_type: type) -> list:
    seen: list = []

    async def record(event: object, turn: Turn) -> None:
        seen.append(event)

    world.ctx.router.on(event_type)(record)
    return seen


def command_options(world: DiscordWorld) -> dict[str, dict]:
    [community] = [c for c in world.fake.commands[world.guild_id] if c["name"] == "community"]
    return {option["name"]: option for option in community["options"]}


async def test_manager_subcommand_is_refused_to_a_member_and_run_for_a_manager_role(
    world: DiscordWorld,
) -> None:
    fake = world.fake
    managers = int(fake.add_role(world.guild_id, "Community team")["id"])
    dana = fake.add_member(world.guild_id, fake.add_user("dana"), roles=(managers,))["user"]
    roles = world.ctx.config.roles.model_copy(update={"managers": [f"discord:role:{managers}"]})
    world.ctx.config = world.ctx.config.model_copy(update={"roles": roles})
    world.ctx.router.commands.add(
        Subcommand("probe", "[days]", "a manager-only test command", Role.MANAGER, probe)
    )
    await world.start()

    options = command_options(world)
    assert {"help", "probe"} <= set(options)
    assert options["probe"]["options"][0]["name"] == "arguments"
    [community] = [c for c in fake.commands[world.guild_id] if c["name"] == "community"]
    [flag_menu] = [c for c in fake.commands[world.guild_id] if c["name"] == "Flag message"]
    send_messages = 1 << 11  # Discord's own first gate; our role check decides
    assert int(community["default_member_permissions"]) == send_messages
    assert (flag_menu["type"], int(flag_menu["default_member_permissions"])) == (3, send_messages)

    general = world.channels["general"]
    await fake.slash_command(general, world.alice, "community", {"arguments": "7"},
                             subcommand="probe")
    await fake.slash_command(general, dana, "community", {"arguments": "7"}, subcommand="probe")
    await world.handled(2)
    await world.settle()

    deferred = [r for r in fake.interaction_responses if r.kind == "callback"]
    assert [(r.type, r.data["flags"]) for r in deferred] == [(5, EPHEMERAL), (5, EPHEMERAL)]
    followups = [r.data for r in fake.interaction_responses if r.kind == "followup"]
    assert [(f["content"], f["flags"]) for f in followups] == [
        ("Sorry, `/community probe` is for managers only.", EPHEMERAL),
        ("probed 7", EPHEMERAL),
    ]
    assert fake.messages(general) == []  # nobody else saw either answer


async def test_flag_message_opens_a_modal_and_its_submission_reaches_the_router(
    world: DiscordWorld,
) -> None:
    fake, general = world.fake, world.channels["general"]
    thread = int(fake.add_thread(general, "deals")["id"])
    submitted = spy(world, FormSubmitted)
    bob = fake.add_member(world.guild_id, fake.add_user("bob"))["user"]
    await world.start()
    target = await fake.message_create(thread, world.alice, "buy cheap followers here")
    await world.handled(1)

    await fake.message_command(thread, bob, "Flag message", int(target["id"]))
    modal = await fake.wait_for(lambda: [r for r in fake.interaction_responses if r.type == 9])
    assert modal[0].data["title"] == "Flag message"
    custom_id = modal[0].data["custom_id"]
    assert custom_id.startswith("flag:@ctx:")  # the context is too long for a custom id
    labels = [row["label"] for row in modal[0].data["components"]]
    assert labels[0].startswith("Why should moderators look at it")

    await fake.modal_submit(thread, bob, custom_id, {"reason": "spam", "note": "a bot ring"})
    await fake.wait_for(lambda: submitted)
    [form] = submitted
    assert (form.form_id, dict(form.values)) == ("flag", {"reason": "spam", "note": "a bot ring"})
    context = json.loads(form.context)  # too long for a custom id: kept by the adapter
    assert (context["c"], context["m"], context["t"]) == (str(general), target["id"], str(thread))
    await world.settle()
    answer = [r.data for r in fake.interaction_responses if r.kind == "followup"]
    assert answer and answer[0]["flags"] == EPHEMERAL  # the flagger is thanked privately
    assert world.texts(thread) == ["buy cheap followers here"]  # nothing public
    with world.store.session() as session:
        flags = session.execute(
            select(Message.external_id, ModFlag.reason, ModFlag.note, ModFlag.source)
            .join(Message, Message.id == ModFlag.message_id)
        ).all()
    assert [tuple(f) for f in flags] == [(target["id"], "spam", "a bot ring", "form")]


@pytest.mark.parametrize("opens_form", [False, True], ids=["acknowledged", "form"])
async def test_button_click_reaches_the_router_and_is_answered_in_time(
    world: DiscordWorld, opens_form: bool
) -> None:
    from bot.chat import Form, FormField

    fake, general = world.fake, world.channels["general"]
    clicks = spy(world, ActionClicked)

    async def open_form(event: ActionClicked, turn: Turn) -> None:
        if opens_form and event.interaction is not None:
            turn.open_form(event.interaction, Form("note", "A note", (FormField("n", "Note"),)))

    world.ctx.router.on(ActionClicked)(open_form)
    await world.start()
    await world.enqueue(lambda outbox: outbox.post(
        world.ctx.config_channel("general"),
        Text(("Case 42",)).with_buttons(Button("moderation:dismiss", "Dismiss", "42")),
        key="case-42",
    ))
    [posted] = fake.messages(general)
    button = posted["components"][0]["components"][0]
    assert (button["label"], button["custom_id"]) == ("Dismiss", "moderation:dismiss:42")

    await fake.button_click(general, world.alice, int(posted["id"]), button["custom_id"])
    answered = await fake.wait_for(lambda: fake.interaction_responses)
    [click] = clicks
    assert (click.action_id, click.value, click.message.id) == (
        "moderation:dismiss", "42", posted["id"]
    )
    assert answered[0].type == (9 if opens_form else 6)  # a modal, or a silent acknowledgement
    if opens_form:
        notes = spy(world, FormSubmitted)
        await fake.modal_submit(general, world.alice, answered[0].data["custom_id"], {"n": "hi"},
                                message_id=int(posted["id"]))
        await fake.wait_for(lambda: notes)
        assert (notes[0].form_id, dict(notes[0].values)) == ("note", {"n": "hi"})
        assert fake.interaction_responses[1].type == 6  # no "thinking…" left behind


async def test_flag_message_without_a_handler_says_so_instead_of_spinning(
    world: DiscordWorld,
) -> None:
    from bot.router import Router

    fake, general = world.fake, world.channels["general"]
    world.ctx.router = Router()  # no feature handles message shortcuts
    await world.start()
    target = await fake.message_create(general, world.alice, "hello")
    await world.handled(1)

    await fake.message_command(general, world.alice, "Flag message", int(target["id"]))
    [answer] = await fake.wait_for(lambda: fake.interaction_responses)
    assert (answer.type, answer.data["flags"]) == (4, EPHEMERAL)
    assert "Nothing handles this action" in answer.data["content"]
