"""Gateway events through the real client: messages in channels, threads and forum posts, edits,
deletes and reactions are recorded; bots are ignored; a resumed connection handles nothing twice."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Turn
from bot.events import MessagePosted
from storage.models import Channel, Member, Message, Reaction
from tests.platforms.discord.conftest import DiscordWorld


def stored_messages(world: DiscordWorld) -> list[tuple[str, str, str | None, str]]:
    """(channel external id, message id, thread id, text) of every stored message."""
    with world.store.session() as session:
        rows = session.execute(
            select(Channel.external_id, Message.external_id, Message.thread_external_id,
                   Message.text)
            .join(Channel, Channel.id == Message.channel_id).order_by(Message.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_message_in_a_thread_is_stored_with_its_parent_channel(world: DiscordWorld) -> None:
    general = world.channels["general"]
    thread = int(world.fake.add_thread(general, "deploys")["id"])
    forum_post = int(world.fake.add_thread(world.channels["forum"], "Ideas")["id"])
    await world.start()

    top = await world.fake.message_create(general, world.alice, "How do I deploy?")
    reply = await world.fake.message_create(thread, world.alice, "Found it: make deploy")
    starter = await world.fake.message_create(forum_post, world.alice, "Dark mode?",
                                              message_id=forum_post)
    await world.handled(3)

    assert stored_messages(world) == [
        (str(general), top["id"], None, "How do I deploy?"),
        (str(general), reply["id"], str(thread), "Found it: make deploy"),
        (str(world.channels["forum"]), starter["id"], str(forum_post), "Dark mode?"),
    ]


async def test_edits_deletes_and_reactions_are_recorded_and_bots_ignored(
    world: DiscordWorld,
) -> None:
    fake, general = world.fake, world.channels["general"]
    robot = fake.add_member(world.guild_id, fake.add_user("ci-bot", bot=True))["user"]
    await world.start()
    posted = await fake.message_create(general, world.alice, "fisrt draft")
    await fake.message_create(general, robot, "build passed")  # ignored: a bot
    await world.handled(1)
    message_id = int(posted["id"])

    fake.edit_message(message_id, {"content": "first draft"})
    await fake.dispatch("MESSAGE_UPDATE", fake.render_message(message_id, gateway=True))
    await fake.reaction_add(general, message_id, world.alice, "✅")
    await world.handled(3)
    with world.store.session() as session:
        message = session.execute(select(Message)).scalar_one()
        assert (message.text, message.edited_at is not None) == ("first draft", True)
        assert session.execute(select(Reaction.emoji)).scalars().all() == ["✅"]

    where = {"channel_id": str(general), "guild_id": str(world.guild_id)}
    await fake.dispatch("MESSAGE_REACTION_REMOVE", {
        **where, "user_id": world.alice["id"], "message_id": str(message_id),
        "emoji": {"id": None, "name": "✅"}, "burst": False, "type": 0,
    })
    fake.delete_message(message_id)
    await fake.dispatch("MESSAGE_DELETE", {**where, "id": str(message_id)})
    await world.handled(5)
    with world.store.session() as session:
        assert session.execute(select(Message.deleted_at)).scalar_one() is not None
        assert session.execute(select(Reaction.emoji)).scalars().all() == []
    assert len(stored_messages(world)) == 1


async def test_dropped_connection_resumes_and_no_event_is_handled_twice(
    world: DiscordWorld,
) -> None:
    fake, general = world.fake, world.channels["general"]
    await world.start()
    await fake.message_create(general, world.alice, "before the drop")
    await world.handled(1)

    await fake.drop_connection(4000)
    missed = await fake.message_create(general, world.alice, "while the bot was away")
    await fake.wait_for(lambda: fake.connected_sessions == 1, timeout=5)
    await world.handled(2)
    await fake.dispatch("MESSAGE_CREATE", missed)  # the same event delivered once more
    await world.handled(3)

    assert len(fake.identifies) == 1 and fake.gateway.replayed_count >= 1  # resumed
    assert world.adapter.stats.duplicates == 1
    assert [text for *_, text in stored_messages(world)] == [
        "before the drop", "while the bot was away",
    ]


async def test_a_members_dm_to_the_bot_reaches_the_router_as_a_direct_message(
    world: DiscordWorld,
) -> None:
    seen: list[MessagePosted] = []

    async def record(event: MessagePosted, turn: Turn) -> None:
        seen.append(event)

    world.ctx.router.on(MessagePosted)(record)
    await world.start()
    dm_channel = int(world.fake.dm_channel(int(world.alice["id"]))["id"])
    await world.fake.message_create(dm_channel, world.alice, "I'd like to appeal")
    await world.handled(1)

    [dm] = seen
    assert (dm.message.channel.is_dm, dm.message.channel.id) == (True, str(dm_channel))
    assert (dm.author.id, dm.text, dm.community.id) == (
        world.alice["id"], "I'd like to appeal", str(world.guild_id)
    )


async def test_a_member_who_leaves_is_marked_gone(world: DiscordWorld) -> None:
    await world.start()
    fake, alice_id = world.fake, int(world.alice["id"])
    await fake.message_create(world.channels["general"], world.alice, "bye all")
    await world.handled(1)

    fake.members[world.guild_id].pop(alice_id)
    await fake.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": str(world.guild_id),
                                                "user": fake.user(alice_id)})
    await world.handled(2)

    with world.store.session() as session:
        left_at = session.execute(
            select(Member.left_at).where(Member.external_id == str(alice_id))
        ).scalar_one()
    assert left_at == world.clock.now()
