"""Questions: what counts as one, what counts as an answer, who may mark it answered, what the
FAQ finds afterwards, and the champion buttons' permissions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.questions_tables import Question
from tests.conftest import ConsoleBot
from tests.handlers.question_steps import click, delete, react, run, say


def questions(bot: ConsoleBot) -> list[Question]:
    with bot.ctx.store.session() as session:
        return list(session.execute(select(Question).order_by(Question.id)).scalars())


async def test_help_channel_posts_are_questions_but_greetings_and_thanks_are_not(
    bot: ConsoleBot,
) -> None:
    await say(bot, "ana", "The deploy script breaks on Windows")  # no question mark: still one
    await say(bot, "ben", "Thanks everyone! 🙏")
    await say(bot, "cy", "hi all")
    await say(bot, "dan", "Anyone know how to rotate the API keys?", channel="general")
    await say(bot, "eve", "We shipped 2.0 today", channel="general")
    await say(bot, "fay", "Traceback (most recent call last):\n  ValueError: bad",
              channel="general")

    found = [(q.asker_external_id, q.channel_name, q.source) for q in questions(bot)]
    assert found == [("ana", "help", "help-channel"), ("dan", "general", "heuristic"),
                     ("fay", "general", "heuristic")]


async def test_redelivered_question_is_recorded_once(bot: ConsoleBot) -> None:
    from bot.events import MessagePosted
    from tests.events import posted

    event: MessagePosted = posted("ana", "How do I export my data?", bot.clock.now(),
                                  channel="help", message_id="m-1")
    await bot.ctx.router.dispatch(bot.ctx, event)
    await bot.ctx.router.dispatch(bot.ctx, event)
    await bot.ctx.router.dispatch(bot.ctx, posted("ana", "How do I export my data?",
                                                  bot.clock.now(), channel="help",
                                                  message_id="m-1"))  # a replay, new id
    assert len(questions(bot)) == 1


async def test_only_someone_elses_human_reply_answers_and_times_are_recorded(
    bot: ConsoleBot,
) -> None:
    question = await say(bot, "ana", "How do I export my data?")
    bot.clock.advance(timedelta(minutes=5))
    await say(bot, "ana", "I tried the CSV button already.", thread_of=question)
    await say(bot, "helper-bot", "Here are some docs!", thread_of=question, is_bot=True)
    assert questions(bot)[0].status == "open"

    bot.clock.advance(timedelta(minutes=7))
    await say(bot, "ben", "Settings → Export → JSON works for everything.", thread_of=question)
    [row] = questions(bot)
    assert row.status == "answered" and row.answered_how == "reply"
    assert row.first_responder == "ben"
    assert row.first_response_at - row.posted_at == timedelta(minutes=12)
    assert row.answered_at - row.posted_at == timedelta(minutes=12)
    assert "Questions: 0 open" in await run(bot, "maria", "questions")


async def test_the_asker_or_a_champion_marks_answered_with_a_reaction(bot: ConsoleBot) -> None:
    await run(bot, "maria", "champion add @cy")
    first = await say(bot, "ana", "How do I export my data?")
    second = await say(bot, "ben", "Where are the release notes?")
    await react(bot, "dan", first)  # a bystander's ✅ means nothing
    await react(bot, "ana", first, "white_check_mark")
    await react(bot, "cy", second, ":heavy_check_mark:")

    assert [(q.status, q.answered_how, q.answered_by) for q in questions(bot)] == [
        ("answered", "reaction", "ana"), ("answered", "reaction", "cy"),
    ]
    assert questions(bot)[0].first_response_at is None  # nobody replied


async def test_an_accepted_reply_becomes_the_faq_answer(bot: ConsoleBot) -> None:
    question = await say(bot, "ana", "How do I rotate the API keys for the billing service?")
    await say(bot, "ben", "No idea, maybe ask support?", thread_of=question)
    good = await say(bot, "cy", "Run `billing keys rotate --all`, then restart the workers.",
                     thread_of=question)
    await bot.settle()
    assert "maybe ask support" in await run(bot, "dan", "faq rotate keys")

    await react(bot, "ana", good)
    reply = await run(bot, "dan", "faq rotate billing keys")
    assert "Past answers for “rotate billing keys”:" in reply
    assert "A: Run `billing keys rotate --all`, then restart the workers. — @cy" in reply
    assert "maybe ask support" not in reply


async def test_a_champions_reply_outranks_an_earlier_member_reply_in_the_faq(
    bot: ConsoleBot,
) -> None:
    await run(bot, "maria", "champion add @cy")
    question = await say(bot, "ana", "Why does the importer skip empty rows?")
    await say(bot, "ben", "It just does.", thread_of=question)
    await say(bot, "cy", "Empty rows are skipped on purpose; pass --keep-empty.",
              thread_of=question)
    reply = await run(bot, "dan", "faq importer empty rows")
    assert "--keep-empty" in reply and "It just does" not in reply


async def test_faq_explains_empty_searches_and_misses(bot: ConsoleBot) -> None:
    assert "Usage: `/community faq <words>`" in await run(bot, "ana", "faq")
    assert "No past answers match “kubernetes”" in await run(bot, "ana", "faq kubernetes")


async def test_answered_command_by_the_asker_a_champion_or_by_number(bot: ConsoleBot) -> None:
    await run(bot, "maria", "champion add @cy")
    await say(bot, "ana", "How do I change my avatar?")
    await say(bot, "ben", "Is there a dark mode?")
    await say(bot, "eve", "Can I export to PDF?")

    assert "Only the asker or a champion can mark Q2 answered." in await run(
        bot, "dan", "answered Q2")
    assert "✅ Marked Q1 answered" in await run(bot, "ana", "answered", channel="help")
    assert "✅ Marked Q2 answered" in await run(bot, "cy", "answered q2")
    assert "Q2 is already answered." in await run(bot, "cy", "answered 2")
    assert "is not a question number like Q12" in await run(bot, "cy", "answered soon")
    assert "I couldn't tell which question you mean" in await run(bot, "dan", "answered")
    assert [q.answered_how for q in questions(bot)] == ["command", "command", None]


async def test_questions_lists_breached_at_risk_and_waiting(bot: ConsoleBot) -> None:
    await say(bot, "ana", "How do I change my avatar?")
    bot.clock.advance(timedelta(minutes=10))
    await say(bot, "ben", "Is there a dark mode?")
    bot.clock.advance(timedelta(minutes=21))
    await say(bot, "eve", "Can I export to PDF?")
    await bot.settle()

    listing = await run(bot, "maria", "questions")
    assert listing.startswith("Questions: 3 open — 1 past their SLA, 1 at risk.")
    breached, at_risk, waiting = listing.split("\n\n")[1:]
    assert breached.startswith("Past their SLA:\n• Q1 by @ana, 31m ago")
    assert "escalated to managers" in breached  # there are no champions yet
    assert at_risk.startswith("At risk:\n• Q2 by @ben, 21m ago")
    assert waiting.startswith("Waiting:\n• Q3 by @eve, 0m ago")
    assert "is for champions only" in await run(bot, "ana", "questions")


async def test_deleting_a_question_stops_its_chain(bot: ConsoleBot) -> None:
    await run(bot, "maria", "champion add @cy")
    question = await say(bot, "ana", "How do I change my avatar?")
    bot.clock.advance(timedelta(minutes=30))
    await bot.settle()
    assert len(bot.dms_to("cy")) == 1
    await delete(bot, question)
    assert bot.dms_to("cy")[0].startswith("🗑️ The question was deleted.")
    assert questions(bot)[0].status == "deleted"


async def test_champion_buttons_only_work_for_the_champion_asked(bot: ConsoleBot) -> None:
    await run(bot, "maria", "champion add @cy")
    await say(bot, "ana", "How do I change my avatar?")
    bot.clock.advance(timedelta(minutes=30))
    await bot.settle()

    await click(bot, "mallory", "I'll take it", value="1")
    await click(bot, "mallory", "Not mine", value="not-a-number")
    assert questions(bot)[0].taken_by is None
    assert bot.private_to("mallory") == ["This button isn't for you, or it is out of date."] * 2
    await click(bot, "cy", "I'll take it")
    assert questions(bot)[0].taken_by == "cy"
    await click(bot, "cy", "Not mine", value="1")  # handing it back: the chain goes on
    assert questions(bot)[0].taken_by is None
    assert "Q1 by @ana" in bot.posts_in("community-managers")[0]  # no other champion


async def test_an_edited_question_keeps_the_asker_s_latest_words(bot: ConsoleBot) -> None:
    from bot.events import MessageEdited
    from tests.events import CONSOLE, next_id

    question = await say(bot, "ana", "How do I export?")
    await bot.ctx.router.dispatch(bot.ctx, MessageEdited(
        event_id=next_id(), community=CONSOLE, at=bot.clock.now(), message=question,
        text="How do I export my invoices as CSV?", editor=bot.workspace.user("ana"),
    ))
    assert questions(bot)[0].text == "How do I export my invoices as CSV?"
