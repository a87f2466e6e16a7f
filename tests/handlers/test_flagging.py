"""Flagging: members flag privately, weighted flags open one case, flaggers stay anonymous."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.events import UserRef
from storage.models import Message, Reaction
from storage.moderation_tables import ModCase, ModFlag
from tests.conftest import ConsoleBot
from tests.moderation.steps import (
    case_posts,
    count,
    deliver,
    flag,
    flag_reaction,
    flag_submission,
    flagged_case,
    labels,
    post,
    press,
    shortcut,
    with_moderation,
)

THANKS = "Thanks, your flag is in."


async def test_two_member_flags_wait_and_the_third_opens_one_case_with_buttons(
    bot: ConsoleBot,
) -> None:
    ref = await post(bot, "sam", "Buy followers at spam.example!!!")
    await flag(bot, "quinn", ref, "spam", "selling followers")
    await flag(bot, "rhea", ref, "off-topic")
    assert case_posts(bot) == []  # score 2 of 3

    await flag(bot, "tess", ref, "spam")

    [case] = case_posts(bot)
    assert case.startswith("🚩 Case #1: score 3 (review at 3)\nMessage by @sam in #general")
    assert "> Buy followers at spam.example!!!" in case
    assert "Reasons: spam ×2, off-topic" in case
    assert "“selling followers”" in case
    assert labels(bot) == ["Dismiss", "Remove message", "Warn author", "Timeout", "Escalate"]
    for flagger in ("quinn", "rhea", "tess"):
        assert bot.private_to(flagger) == [THANKS + " Moderators will look at the message if "
                                           "needed; nobody else learns who flagged it."]


async def test_a_champions_flag_weighs_two_and_a_moderators_opens_a_case_alone(
    bot: ConsoleBot,
) -> None:
    ref = await post(bot, "sam", "Buy followers!!!")
    await flag(bot, "quinn", ref)
    await flag(bot, "chloe", ref)  # a champion in the example config
    assert "score 3" in case_posts(bot)[0]

    odd = await post(bot, "sam", "something odd")
    await flag(bot, "mo", odd, "other", "check the link")
    assert len(case_posts(bot)) == 2
    assert bot.private_to("mo") == ["Flag recorded: case #2 is open for moderators."]


async def test_flag_reaction_is_taken_off_forgotten_and_acknowledged_by_dm(
    bot: ConsoleBot,
) -> None:
    ref = await post(bot, "sam", "Buy followers!!!")
    for emoji in ("🚩", "triangular_flag_on_post"):
        bot.workspace.messages[0].reactions.clear()
        await deliver(bot, flag_reaction(bot, "quinn" if emoji == "🚩" else "rhea", ref, emoji))

    assert bot.workspace.messages[0].reactions == {"triangular_flag_on_post": set()}
    assert count(bot, Reaction) == 0  # not a reaction for the metrics either
    assert bot.dms_to("quinn")[0].startswith(THANKS)
    assert bot.dms_to("rhea")[0].startswith(THANKS)
    assert count(bot, ModFlag, ModFlag.reason == "unspecified") == 2

    await deliver(bot, flag_reaction(bot, "tess", ref, "👍"))  # other reactions are not flags
    assert count(bot, ModFlag) == 2 and bot.dms_to("tess") == []


async def test_flaggers_are_never_named_to_the_author_or_in_public(bot: ConsoleBot) -> None:
    with_moderation(bot, auto_hide_threshold=4.0)
    ref = await post(bot, "sam", "Buy followers at spam.example!!!")
    await deliver(bot, flag_reaction(bot, "quinn", ref))
    await flag(bot, "rhea", ref, "spam", "seen this before")
    await flag(bot, "chloe", ref, "harassment")  # the score reaches 4: hidden at once
    await press(bot, "mo", "Warn author", with_interaction=False)
    await deliver(bot, flag_submission(bot, "quinn", ref, "spam"))  # re-flag: already counted

    flaggers = re.compile(r"\b(quinn|rhea|chloe)\b")
    seen_by_author_or_public = [
        m for m in bot.workspace.messages
        if m.audience in ("dm:sam", "only:sam")
        or (m.audience == "channel" and not m.ref.channel.is_private)
    ]
    assert any(m.audience == "dm:sam" for m in seen_by_author_or_public)
    for message in seen_by_author_or_public:
        assert not flaggers.search(message.text), message.text
    assert not any(bot.workspace.messages[0].reactions.values())
    [case] = case_posts(bot)
    assert not flaggers.search(case)  # moderators see reasons and notes, not names


async def test_the_same_flag_delivered_twice_counts_once(bot: ConsoleBot) -> None:
    ref = await post(bot, "sam", "Buy followers!!!")
    submission = flag_submission(bot, "quinn", ref, "spam", event_id="Ev-flag-1")
    await deliver(bot, submission)
    await deliver(bot, submission)  # the platform retried the delivery
    await deliver(bot, flag_reaction(bot, "quinn", ref))  # and quinn reacts 🚩 as well
    await flag(bot, "quinn", ref, "harassment")  # and submits the form again
    await flag(bot, "rhea", ref)

    assert count(bot, ModFlag) == 2
    assert case_posts(bot) == []  # 2 members: score 2, below the threshold
    assert bot.dms_to("quinn") == [
        "You already flagged that message; each member's flag counts once."
    ]
    assert bot.private_to("quinn")[-1].startswith("You already flagged that message")


async def test_a_reaction_flag_gets_its_reason_from_a_later_form_and_still_counts_once(
    bot: ConsoleBot,
) -> None:
    ref = await post(bot, "sam", "Buy followers!!!")
    await deliver(bot, flag_reaction(bot, "quinn", ref))
    await flag(bot, "quinn", ref, "spam", "crypto again")

    with bot.ctx.store.session() as session:
        [(reason, note)] = session.execute(select(ModFlag.reason, ModFlag.note)).all()
    assert (reason, note) == ("spam", "crypto again")
    assert bot.private_to("quinn") == [
        "Thanks, I added your reason to your earlier flag on that message (it still counts once)."
    ]


async def test_flag_bombing_is_stopped_by_the_flag_limit(bot: ConsoleBot) -> None:
    with_moderation(bot, flag_limit=3, flag_limit_window="1h")
    refs = [await post(bot, "sam", f"message {n}") for n in range(5)]
    for ref in refs:
        await flag(bot, "quinn", ref)

    assert count(bot, ModFlag) == 3
    assert bot.private_to("quinn")[-1] == (
        "You have raised 3 flags in the last 1h, the most allowed; please try again later or "
        "message a moderator directly."
    )
    bot.clock.advance(timedelta(hours=1, minutes=1))  # the first flags leave the window
    await flag(bot, "quinn", refs[4])
    assert count(bot, ModFlag) == 4
    for ref in refs:  # moderators are not limited
        await flag(bot, "mo", ref)
    assert count(bot, ModFlag) == 9


async def test_own_messages_and_bots_messages_cannot_be_flagged(bot: ConsoleBot) -> None:
    ref = await post(bot, "sam", "my own words")
    await flag(bot, "sam", ref)
    await deliver(bot, shortcut(bot, "sam", ref, UserRef(id="sam", name="sam"), "my own words"))
    bot_ref = await post(bot, "quinn", "placeholder")
    await deliver(bot, shortcut(bot, "rhea", bot_ref, UserRef(id="bot", is_bot=True), "hi"))

    assert count(bot, ModFlag) == 0
    assert bot.private_to("sam") == ["That's your own message: you can edit or delete it "
                                     "yourself."] * 2
    assert bot.private_to("rhea") == [
        "Messages from bots can't be flagged; please tell a moderator directly."
    ]
    assert bot.workspace.forms == []


async def test_the_shortcut_opens_the_reason_form_whose_submission_flags(bot: ConsoleBot) -> None:
    ref = await post(bot, "sam", "Buy followers!!!")
    await deliver(bot, shortcut(bot, "quinn", ref, UserRef(id="sam", name="sam"), "Buy!!!"))

    [(_, form)] = bot.workspace.forms
    assert form.form_id == "flag" and form.title == "Flag message"
    assert [f.field_id for f in form.fields] == ["reason", "note"]
    assert [value for value, _ in form.fields[0].options] == [
        "spam", "harassment", "off-topic", "other"
    ]
    await deliver(bot, flag_submission(bot, "quinn", ref, "harassment", context=form.context))
    assert count(bot, ModFlag, ModFlag.reason == "harassment") == 1

    # A message from before the bot joined: the shortcut carries it, so it can be reviewed.
    bot.workspace.forms.clear()
    old = bot.workspace.record(bot.workspace.channel("general"), bot.workspace.user("sam"),
                               "from before the bot joined")
    await deliver(bot, shortcut(bot, "mo", old.ref, UserRef(id="sam", name="sam"),
                                "from before the bot joined"))
    [(_, form)] = bot.workspace.forms
    await deliver(bot, flag_submission(bot, "mo", old.ref, "other", context=form.context))

    [case] = case_posts(bot)
    assert "> from before the bot joined" in case


async def test_bad_reasons_and_unreadable_forms_are_explained(bot: ConsoleBot) -> None:
    ref = await post(bot, "sam", "hmm")
    await deliver(bot, flag_submission(bot, "quinn", ref, "boring"))
    await deliver(bot, flag_submission(bot, "quinn", ref, "spam", context="{not json"))
    unseen = bot.workspace.record(bot.workspace.channel("general"), bot.workspace.user("sam"),
                                  "never delivered to the bot")
    await deliver(bot, flag_submission(bot, "quinn", unseen.ref))

    assert count(bot, ModFlag) == 0
    assert bot.private_to("quinn")[0] == (
        "Please choose a reason: spam, harassment, off-topic, other."
    )
    assert bot.dms_to("quinn") == [
        "Sorry, I could not tell which message you flagged; please flag it again."
    ]
    assert bot.private_to("quinn")[1].startswith("I can't flag that message")


async def test_auto_hide_past_the_higher_threshold_deletes_and_tells_the_author(
    bot: ConsoleBot,
) -> None:
    with_moderation(bot, auto_hide_threshold=4.0)
    ref = await flagged_case(bot)  # score 3: reviewed, not hidden
    assert not bot.workspace.messages[0].deleted

    await flag(bot, "uma", ref)  # score 4

    assert bot.workspace.messages[0].deleted
    [notice] = bot.dms_to("sam")
    assert notice.startswith("Your message in #general was hidden automatically")
    assert "Members flagged it as spam." in notice
    assert "Our code of conduct: https://example.org/code-of-conduct" in notice
    [case] = case_posts(bot)
    assert "• Hidden automatically (score 4) by the bot" in case
    assert labels(bot) == ["Dismiss", "Confirm removal", "Warn author", "Timeout", "Escalate"]
    with bot.ctx.store.session() as session:
        text, deleted_at = session.execute(select(Message.text, Message.deleted_at)).one()
    assert text == "Buy followers at spam.example!!!" and deleted_at is not None


async def test_staff_messages_go_to_managers_and_are_never_hidden_by_count(
    bot: ConsoleBot,
) -> None:
    with_moderation(bot, auto_hide_threshold=4.0)
    ref = await post(bot, "mo", "Reminder: be kind.")
    for flagger in ("quinn", "rhea", "tess", "uma", "vic"):
        await flag(bot, flagger, ref, "other")

    assert case_posts(bot) == []
    [case] = case_posts(bot, "community-managers")
    assert "score 5" in case and "managers decide" in case
    assert not bot.workspace.messages[0].deleted
    assert count(bot, ModCase, ModCase.queue == "managers") == 1
