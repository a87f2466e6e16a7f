"""The Chat port through discord.py's REST client against the fake: what members see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.events import ChannelRef, MessageRef, UserRef
from bot.text import Text
from tests.platforms.discord.conftest import DiscordWorld


async def test_outbound_calls_reach_discord_as_members_see_them(world: DiscordWorld) -> None:
    fake, general = world.fake, world.channels["general"]
    await world.start()
    asked = await fake.message_create(general, world.alice, "How do I deploy?")
    await world.handled(1)
    question = MessageRef(channel=ChannelRef(id=str(general)), id=asked["id"])
    alice = UserRef(id=world.alice["id"], name="alice")
    until = datetime.now(UTC) + timedelta(hours=1)

    await world.enqueue(lambda outbox: (
        outbox.reply(question, Text.of("{user}, see {channel}", user=alice,
                                       channel=ChannelRef(id="", name="help")), key="answer"),
        outbox.react(question, "white_check_mark", key="ack"),
        outbox.post(world.ctx.config_channel("general"), "Digest coming", key="notice"),
        outbox.upload(world.ctx.config_channel("general"), "chart.png", b"\x89PNG...",
                      "This week", key="chart"),
        outbox.timeout(alice, until, key="timeout"),
        outbox.ephemeral(ChannelRef(id=str(general)), alice, "just for you", key="private"),
    ))
    await world.enqueue(lambda outbox: (
        outbox.reply(question, "and one more thing", key="answer-2"),
        outbox.update_sent("notice", "Digest is out", key="notice-edit"),
    ))

    thread = fake.channels[int(asked["id"])]  # a thread started from the question itself
    assert (thread["type"], thread["parent_id"]) == (11, str(general))
    assert world.texts(int(asked["id"])) == [
        f"<@{alice.id}>, see <#{world.channels['help']}>", "and one more thing",
    ]
    [reaction] = fake.messages(general)[0]["reactions"]
    assert (reaction["emoji"]["name"], reaction["me"]) == ("✅", True)
    assert world.texts("general")[1:] == ["Digest is out", "This week"]
    assert fake.messages(general)[2]["attachments"][0]["filename"] == "chart.png"
    member = fake.members[world.guild_id][int(alice.id)]
    assert datetime.fromisoformat(member["communication_disabled_until"]) == until
    assert world.dms_to(int(alice.id)) == ["just for you"]  # no interaction to answer: a DM

    await world.enqueue(lambda outbox: (outbox.delete(question, key="remove"),
                                        outbox.delete(question, key="remove-again")))
    assert fake.message(int(asked["id"])) is None
    assert world.ctx.sender is not None and world.ctx.sender.stats.failed == 0


async def test_resending_after_a_crash_posts_once_and_429s_are_waited_out(
    world: DiscordWorld,
) -> None:
    fake, general = world.fake, world.channels["general"]
    await world.start()
    channel = ChannelRef(id=str(general))
    fake.fail_next("POST /channels/{channel_id}/messages", retry_after=0.1)

    first = await world.adapter.chat.post(channel, Text(("only once",)), thread_id=None, key="k1")
    again = await world.adapter.chat.post(channel, Text(("only once",)), thread_id=None, key="k1")

    assert again == first and world.texts("general") == ["only once"]
    assert fake.rate_limited_count == 1
