"""The OpenAI assist through the real SDK against a local fake server: structured
classification, embeddings for topics, suggested answers, and the fall back to the heuristics
when the model is slow or answers nonsense."""

from __future__ import annotations

import time
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select

from bot.app import make_assist
from bot.assist.openai_assist import OpenAIAssist
from bot.settings import Settings
from storage.questions_tables import Question
from tests.assist.conftest import assist_for
from tests.conftest import ConsoleBot
from tests.fakes.openai_server import DIMENSIONS, FakeOpenAI, Scripted
from tests.handlers.question_steps import run, say, thread_posts


def questions(bot: ConsoleBot) -> list[Question]:
    with bot.ctx.store.session() as session:
        return list(session.execute(select(Question).order_by(Question.id)).scalars())


def axis(index: int) -> list[float]:
    """A unit vector of the fake's size: topics on different axes mean different things."""
    return [1.0 if i == index else 0.0 for i in range(DIMENSIONS)]


async def settle(bot: ConsoleBot) -> None:
    assert bot.ctx.assist is not None
    await bot.ctx.assist.idle()
    await bot.settle()


async def test_classification_is_structured_output_through_the_sdk(
    fake_openai: FakeOpenAI,
) -> None:
    assist = assist_for(fake_openai)
    fake_openai.script_chat(Scripted(content={
        "is_question": True, "topics": ["Postgres", "postgres", " Query  Planning "],
        "urgency": "high",
    }))
    verdict = await assist.classify("prod db is on fire, why?", ["postgres"])
    assert verdict is not None
    assert (verdict.is_question, verdict.topics, verdict.urgency, verdict.source) == (
        True, ("postgres", "query planning"), "high", "openai")
    [request] = fake_openai.chats("QuestionVerdict")
    assert request.body["model"] == "gpt-test"
    assert request.body["response_format"]["type"] == "json_schema"
    assert request.user_text == "prod db is on fire, why?"
    await assist.close()


async def test_a_slow_model_never_delays_the_event_and_the_heuristic_stands(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    fake_openai.script_chat(Scripted(delay=5, content={
        "is_question": False, "topics": [], "urgency": "low"}))
    started = time.monotonic()
    await say(assisted, "ana", "Anyone know how to rotate the API keys?", channel="general")
    assert time.monotonic() - started < 0.25  # dispatched and committed before any reply
    assert [q.source for q in questions(assisted)] == ["heuristic"]

    await settle(assisted)  # the call times out after 0.3 s
    assert [(q.status, q.source) for q in questions(assisted)] == [("open", "heuristic")]
    assert isinstance(assisted.ctx.assist, OpenAIAssist)
    assert assisted.ctx.assist.failures == 1


async def test_a_malformed_reply_falls_back_to_the_heuristic(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    fake_openai.script_chat(
        Scripted(content="Sure! It is a question."),  # not JSON at all
        Scripted(content={"is_question": False}),  # JSON missing fields
        Scripted(status=500),
    )
    await say(assisted, "ana", "How do I rotate the API keys?", channel="general")
    await say(assisted, "ben", "I think we should migrate before friday", channel="general")
    await say(assisted, "eve", "Where are the release notes?", channel="general")
    await settle(assisted)
    assert [(q.asker_external_id, q.status, q.source) for q in questions(assisted)] == [
        ("ana", "open", "heuristic"), ("eve", "open", "heuristic")]


async def test_the_model_finds_missed_questions_and_dismisses_false_alarms(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    verdicts = {"We need a way to export invoices by month": True,
                "Do check out the new docs site, it looks great": False}
    fake_openai.answers["QuestionVerdict"] = lambda text: {
        "is_question": verdicts[text], "topics": ["billing"] if verdicts[text] else [],
        "urgency": "normal"}
    await say(assisted, "ana", "We need a way to export invoices by month", channel="general")
    await say(assisted, "ben", "Do check out the new docs site, it looks great",
              channel="general")
    assert [q.asker_external_id for q in questions(assisted)] == ["ben"]  # the heuristic
    await settle(assisted)
    assert [(q.asker_external_id, q.status, q.source, q.topics)
            for q in questions(assisted)] == [
        ("ben", "dismissed", "heuristic", []), ("ana", "open", "openai", ["billing"])]


async def test_embeddings_route_a_question_to_the_champion_whose_topic_it_means(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    await run(assisted, "maria", "champion add @bea databases")
    await run(assisted, "maria", "champion add @cy frontend")
    question = "The grid collapses into one column on phones?"
    topics = ["frontend", "databases", "postgres", "kubernetes", "python packaging"]
    fake_openai.vectors.update({topic: axis(i) for i, topic in enumerate(topics)})
    fake_openai.vectors[question] = [0.9 * a + 0.1 * b
                                     for a, b in zip(axis(0), axis(1), strict=True)]
    await say(assisted, "ana", question)
    await settle(assisted)
    assert questions(assisted)[0].topics == ["frontend"]  # no shared word: meaning only

    assisted.clock.advance(timedelta(minutes=30))
    await settle(assisted)
    assert assisted.dms_to("bea") == []
    assert "It looks like frontend" in assisted.dms_to("cy")[0]


async def test_a_new_help_question_gets_a_labelled_answer_from_past_answers(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    first = await say(assisted, "ana", "How do I rotate the billing API keys?")
    await say(assisted, "cy", "Run `billing keys rotate --all`, then restart the workers.",
              thread_of=first)
    await settle(assisted)
    assert thread_posts(assisted, first) == []  # nothing to suggest from yet

    second = await say(assisted, "ben", "How can I rotate billing keys safely?")
    await settle(assisted)
    [suggestion] = thread_posts(assisted, second)
    assert suggestion.startswith(
        "💡 Suggested answer (written by AI from past answers in this community; it may be "
        "wrong):\nPast answers say: Run `billing keys rotate --all`, then restart the workers.")
    number = assisted.workspace.number_of(first)
    assert f"From: “How do I rotate the billing API keys?” (#{number})" in suggestion
    assert [q.status for q in questions(assisted)] == ["answered", "open"]  # bots don't answer


def test_the_assist_is_built_from_settings_only_with_a_key(monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert make_assist(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    assist = make_assist(Settings(  # type: ignore[call-arg]
        _env_file=None, openai_api_key=SecretStr("sk-test"),
        openai_base_url="http://127.0.0.1:9/v1", openai_model="gpt-x",
    ))
    assert isinstance(assist, OpenAIAssist)
    assert assist.model == "gpt-x" and str(assist.client.base_url) == "http://127.0.0.1:9/v1/"
    assert assist.client.max_retries == 1 and assist.client.timeout == 8.0


async def test_the_digest_says_what_people_talked_about_in_the_assists_words(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    from tests.events import command, posted

    await assisted.ctx.router.dispatch(assisted.ctx, posted(
        "ana", "Autovacuum keeps blocking our import", assisted.clock.now()))
    await assisted.ctx.router.dispatch(assisted.ctx, command(
        "maria", "digest now", assisted.clock.now(), channel="community-managers"))
    await settle(assisted)

    [digest] = [p for p in assisted.posts_in("community-managers") if "digest" in p]
    assert "The week was mostly about Autovacuum." in digest
    [summary_call] = fake_openai.chats("WeekSummary")
    assert "Autovacuum keeps blocking our import" in summary_call.user_text


async def test_a_failing_assist_leaves_the_digest_with_the_local_summary(
    assisted: ConsoleBot, fake_openai: FakeOpenAI,
) -> None:
    from tests.events import command, posted

    await assisted.ctx.router.dispatch(assisted.ctx, posted(
        "ana", "Release notes for 2.0 are out", assisted.clock.now(), channel="general"))
    await settle(assisted)
    fake_openai.script_chat(Scripted(status=500))
    await assisted.ctx.router.dispatch(assisted.ctx, command(
        "maria", "digest now", assisted.clock.now(), channel="community-managers"))
    await settle(assisted)

    [digest] = [p for p in assisted.posts_in("community-managers") if "digest" in p]
    assert "Busiest channels: #general 1 post" in digest
