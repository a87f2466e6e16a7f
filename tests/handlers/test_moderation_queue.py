"""The moderators' queue: only moderators decide, every decision is audited and shown on the
case post, and authors hear privately what happened and may appeal."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.chat import Unsupported
from bot.events import MessageDeleted
from storage.models import Message
from storage.moderation_tables import ModAppeal, ModCase, ModDecision, ModFlag, ModWarning
from tests.conftest import ConsoleBot
from tests.events import CONSOLE, next_id
from tests.moderation.steps import (
    button,
    case_posts,
    click,
    count,
    deliver,
    dm_to_bot,
    flag,
    flagged_case,
    labels,
    post,
    press,
    warning_note,
    with_moderation,
)
from tests.moderation.steps import (
    flag_submission as form,
)

SPAM = "Buy followers at spam.example!!!"


async def test_a_member_pressing_a_case_button_is_refused_and_nothing_changes(
    bot: ConsoleBot,
) -> None:
    await flagged_case(bot)
    before = case_posts(bot)
    sent_before = len(bot.workspace.messages)

    for label in ("Remove message", "Warn author", "Timeout", "Escalate", "Dismiss"):
        await press(bot, "quinn", label)
    await press(bot, "chloe", "Remove message")  # champions are not moderators either

    assert bot.private_to("quinn")[-5:] == [
        "Only moderators can act on this case; nothing was changed."
    ] * 5
    assert case_posts(bot) == before
    assert not bot.workspace.messages[0].deleted
    assert bot.dms_to("sam") == [] and bot.workspace.forms == [] and bot.workspace.timeouts == {}
    assert bot.posts_in("community-managers") == []
    assert count(bot, ModDecision) == 0 and count(bot, ModWarning) == 0
    assert count(bot, ModCase, ModCase.status == "open") == 1
    # only the refusals were added: one private note per click
    assert len(bot.workspace.messages) == sent_before + 6


async def test_remove_deletes_the_message_keeps_its_text_and_tells_the_author_why(
    bot: ConsoleBot,
) -> None:
    await flagged_case(bot)
    bot.clock.advance(timedelta(minutes=5))
    remove = button(bot, "Remove message")
    await deliver(bot, click(bot, "mo", remove))

    assert bot.workspace.messages[0].deleted
    [notice] = bot.dms_to("sam")
    assert notice.startswith(f"A moderator removed your message in #general:\n> {SPAM}")
    assert "Members flagged it as spam." in notice
    assert "Our code of conduct: https://example.org/code-of-conduct" in notice
    assert "reply to this message" in notice
    [case] = case_posts(bot)
    assert "• Removed the message by @mo, Mon 05 Jan 10:05" in case
    assert "Closed: flags upheld." in case
    assert labels(bot) == ["Warn author", "Timeout"]
    with bot.ctx.store.session() as session:
        text, deleted_at = session.execute(select(Message.text, Message.deleted_at)).one()
        kept = session.execute(select(ModCase.message_text)).scalar_one()
        decision = session.execute(select(ModDecision.action, ModDecision.moderator_id)).one()
    assert text == kept == SPAM and deleted_at is not None
    assert decision.action == "remove" and decision.moderator_id is not None

    await deliver(bot, click(bot, "maria", remove))  # the stale button, pressed again
    assert len(bot.dms_to("sam")) == 1
    assert count(bot, ModDecision) == 1
    assert bot.private_to("maria") == ["Nothing to do: case #1 — Closed: flags upheld."]


async def test_warn_asks_for_a_note_and_sends_it_with_the_code_of_conduct(
    bot: ConsoleBot,
) -> None:
    await flagged_case(bot)
    await press(bot, "mo", "Warn author")

    [(_, warn_form)] = bot.workspace.forms
    assert warn_form.form_id == "moderation-warn"
    assert bot.dms_to("sam") == []  # nothing is sent until the note is submitted
    await deliver(bot, warning_note(bot, "quinn", warn_form.context, "sneaky"))
    assert bot.dms_to("sam") == []  # a member cannot submit it either
    await deliver(bot, warning_note(bot, "mo", warn_form.context, "No ads here, please."))

    [warning] = bot.dms_to("sam")
    assert warning.startswith("A moderator is warning you about your message in #general:")
    assert "Moderator's note: No ads here, please." in warning
    assert "Our code of conduct: https://example.org/code-of-conduct" in warning
    assert "• Warned the author by @mo" in case_posts(bot)[0]
    assert count(bot, ModWarning) == 1
    assert not bot.workspace.messages[0].deleted  # a warning leaves the message up

    # Where no form can be opened (no interaction to answer), the standard note goes out.
    second = await post(bot, "sam", "more spam")
    for flagger in ("quinn", "rhea", "tess"):
        await flag(bot, flagger, second)
    await press(bot, "mo", "Warn author", with_interaction=False)
    assert "Moderator's note: Please take a moment to re-read our code of conduct." in (
        bot.dms_to("sam")[-1]
    )


async def test_timeout_pauses_the_author_and_the_post_says_it_is_discord_only(
    bot: ConsoleBot,
) -> None:
    await flagged_case(bot)
    assert "Timeout pauses the author for 1d (Discord only" in case_posts(bot)[0]
    await press(bot, "mo", "Timeout")

    assert bot.workspace.timeouts == {"sam": bot.clock.now() + timedelta(days=1)}
    assert "• Timed the author out for 1d by @mo" in case_posts(bot)[0]


async def test_a_platform_that_cannot_time_out_logs_it_and_the_case_still_records_it(
    bot: ConsoleBot, caplog: pytest.LogCaptureFixture,
) -> None:
    async def no_timeouts(*args: object) -> None:
        raise Unsupported("Slack cannot time members out")

    bot.workspace.timeout = no_timeouts  # type: ignore[method-assign]
    await flagged_case(bot)
    with caplog.at_level(logging.WARNING):
        await press(bot, "mo", "Timeout")

    assert "Slack cannot time members out" in caplog.text
    assert count(bot, ModDecision, ModDecision.action == "timeout") == 1


async def test_escalate_tells_managers_and_keeps_the_case_open(bot: ConsoleBot) -> None:
    await flagged_case(bot)
    await press(bot, "mo", "Escalate")

    [escalation] = bot.posts_in("community-managers")
    assert escalation.startswith("⚠️ Case #1 escalated by @mo: a message by @sam in #general")
    assert "Escalated to managers: waiting for a decision." in case_posts(bot)[0]
    assert labels(bot) == ["Dismiss", "Remove message", "Warn author", "Timeout"]
    await press(bot, "maria", "Dismiss")
    assert "Closed: dismissed." in case_posts(bot)[0]


async def test_dismissed_flags_reopen_only_with_new_reasons_and_weigh_less_later(
    bot: ConsoleBot,
) -> None:
    ref = await flagged_case(bot)
    await press(bot, "mo", "Dismiss")
    assert labels(bot) == []

    for flagger in ("uma", "vic", "walt"):
        await flag(bot, flagger, ref, "spam")  # the reason already dismissed
    assert len(case_posts(bot)) == 1
    await flag(bot, "xena", ref, "harassment")  # a new reason, enough score

    assert len(case_posts(bot)) == 2
    assert case_posts(bot)[1].startswith("🚩 Case #2 (review 2): score 4")
    # quinn's dismissed flag lowers the weight of quinn's next flag
    other = await post(bot, "sam", "another one")
    await flag(bot, "quinn", other)
    with bot.ctx.store.session() as session:
        weight = session.execute(
            select(ModFlag.weight).order_by(ModFlag.id.desc()).limit(1)
        ).scalar_one()
    assert weight == 0.8  # 2 × (0 + 2) / (0 + 1 + 4)


async def test_dismissing_an_auto_hidden_message_apologises_to_the_author(
    bot: ConsoleBot,
) -> None:
    with_moderation(bot, auto_hide_threshold=4.0)
    ref = await flagged_case(bot)
    await flag(bot, "uma", ref)
    await press(bot, "mo", "Dismiss")

    hidden, sorry = bot.dms_to("sam")
    assert hidden.startswith("Your message in #general was hidden automatically")
    assert sorry.startswith("A moderator reviewed your message in #general")
    assert "post it again" in sorry


async def test_cases_about_staff_messages_are_for_managers_not_the_author(
    bot: ConsoleBot,
) -> None:
    ref = await post(bot, "mo", "Reminder: be kind.")
    for flagger in ("quinn", "rhea", "tess"):
        await flag(bot, flagger, ref, "other")
    await deliver(bot, click(bot, "mo", button(bot, "Remove message", "community-managers")))
    assert bot.private_to("mo")[-1] == "Only managers can act on this case; nothing was changed."

    own = await post(bot, "maria", "Managers' note")
    for flagger in ("quinn", "rhea", "tess"):
        await flag(bot, flagger, own, "off-topic")
    await deliver(bot, click(bot, "maria", button(bot, "Dismiss", "community-managers")))
    assert bot.private_to("maria")[-1] == (
        "You can't decide a case about your own message; another moderator will."
    )
    assert count(bot, ModDecision) == 0


async def test_an_author_deleting_a_flagged_message_shows_on_the_open_case(
    bot: ConsoleBot,
) -> None:
    ref = await flagged_case(bot)
    await deliver(bot, MessageDeleted(event_id=next_id(), community=CONSOLE,
                                      at=bot.clock.now(), message=ref))

    assert "The author has since deleted the message (its text is kept here)." in (
        case_posts(bot)[0]
    )
    assert labels(bot) == ["Dismiss", "Warn author", "Timeout", "Escalate"]


async def test_an_update_queued_before_the_case_post_is_sent_still_lands(
    bot: ConsoleBot,
) -> None:
    ref = await post(bot, "sam", SPAM)
    for flagger in ("quinn", "rhea", "tess", "uma"):  # no sending between the flags
        await bot.ctx.router.dispatch(bot.ctx, form(bot, flagger, ref))
    await bot.settle()
    bot.clock.advance(timedelta(seconds=2))  # an update that found no post yet retries
    await bot.settle()

    [case] = case_posts(bot)
    assert "score 4" in case


async def test_the_authors_reply_to_the_bots_dm_lands_in_the_case(bot: ConsoleBot) -> None:
    await flagged_case(bot)
    await press(bot, "mo", "Remove message")
    bot.clock.advance(timedelta(hours=1))
    await deliver(bot, dm_to_bot(bot, "sam", "It was a joke, sorry."))

    case_post = next(m for m in bot.workspace.messages if m.text.startswith("🚩 Case #1"))
    [appeal] = [m for m in bot.workspace.messages if m.text.startswith("📨 Appeal on case #1")]
    assert appeal.ref.channel.id == "moderators" and appeal.ref.thread_id == case_post.ref.id
    assert appeal.text == "📨 Appeal on case #1 from @sam:\n> It was a joke, sorry."
    assert "📨 Appeal from the author, Mon 05 Jan 11:00:\n> It was a joke, sorry." in (
        case_post.text
    )
    assert bot.dms_to("sam")[-1].startswith("Thanks, I passed your reply to the moderators")
    assert count(bot, ModAppeal) == 1


async def test_only_authors_acted_on_can_appeal_and_only_a_few_times(bot: ConsoleBot) -> None:
    await flagged_case(bot)  # open, nothing done to sam yet
    await deliver(bot, dm_to_bot(bot, "sam", "hello bot"))
    await deliver(bot, dm_to_bot(bot, "quinn", "hello bot"))
    assert count(bot, ModAppeal) == 0
    assert bot.dms_to("quinn") == []

    await press(bot, "mo", "Remove message")
    for n in range(7):
        await deliver(bot, dm_to_bot(bot, "sam", f"please {n}"))

    assert count(bot, ModAppeal) == 5
    assert bot.dms_to("sam")[-1] == (
        "The moderators already have your 5 replies about case #1; they will get back to you."
    )
