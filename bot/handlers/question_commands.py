"""`/community questions` (open, at risk, breached), `/community answered` and
`/community faq <words>`."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select

from bot.commands import CommandCall, Subcommand, UsageError
from bot.context import Turn
from bot.events import CommandInvoked, UserRef
from bot.questions import store, texts
from bot.questions.closing import close_and_tell
from bot.roles import Role
from bot.router import Router
from bot.text import Text
from storage.questions_tables import Question, QuestionPing

LISTED = 5  # questions shown per group
ANSWERED_WINDOW = timedelta(days=7)


def register(router: Router) -> None:
    router.commands.add(Subcommand(
        "questions", "", "open questions: breached, at risk, waiting", Role.CHAMPION,
        list_questions,
    ))
    router.commands.add(Subcommand(
        "answered", "[Q<number>]", "mark a question answered (in its thread, or by number)",
        Role.MEMBER, mark_answered,
    ))
    router.commands.add(Subcommand(
        "faq", "<words>", "search answers to past questions", Role.MEMBER, search_faq,
    ))


async def list_questions(call: CommandCall, turn: Turn) -> Text | str:
    if call.words:
        raise UsageError("`/community questions` takes no arguments.")
    now, at_risk = turn.now, turn.config.questions.at_risk
    is_open = Question.status == "open"
    counts = turn.session.execute(
        select(
            func.count().filter(is_open),
            func.count().filter(is_open, Question.sla_due_at <= now),
            func.count().filter(is_open, Question.sla_due_at > now,
                                Question.sla_due_at <= now + at_risk),
            func.count().filter(Question.status == "answered",
                                Question.answered_at >= now - ANSWERED_WINDOW),
        ).where(Question.community_id == turn.community_id)
    ).one()
    opened, breached, risky, answered = counts
    text = Text((f"Questions: {opened} open — {breached} past their SLA, {risky} at risk. "
                 f"{answered} answered in the last 7 days.",))
    groups = (
        ("Past their SLA", Question.sla_due_at <= now),
        ("At risk", (Question.sla_due_at > now) & (Question.sla_due_at <= now + at_risk)),
        ("Waiting", Question.sla_due_at > now + at_risk),
    )
    for title, condition in groups:
        rows = turn.session.execute(
            select(Question).where(Question.community_id == turn.community_id, is_open,
                                   condition)
            .order_by(Question.sla_due_at, Question.id).limit(LISTED)
        ).scalars().all()
        if rows:
            text += f"\n\n{title}:"
            states = chain_states(turn, [q.id for q in rows])
            for question in rows:
                text += question_line(question, turn, states.get(question.id, ""))
    if not opened:
        text += "\nNothing is waiting for an answer. 🎉"
    return text


def chain_states(turn: Turn, ids: list[int | None]) -> dict[int, str]:
    """Where each question's chain stands, in words: who was asked, taken, escalated."""
    asked: dict[int, list[str]] = defaultdict(list)
    for question_id, champion, outcome in turn.session.execute(
        select(QuestionPing.question_id, QuestionPing.champion_external_id,
               QuestionPing.outcome)
        .where(QuestionPing.question_id.in_(ids)).order_by(QuestionPing.step)
    ):
        if champion is None:
            asked[question_id].append("escalated to managers")
        else:
            asked[question_id].append(f"@{champion} ({outcome})")
    return {qid: "asked " + ", ".join(steps) for qid, steps in asked.items()}


def question_line(question: Question, turn: Turn, state: str) -> Text:
    topics = f" [{', '.join(question.topics)}]" if question.topics else ""
    urgent = " ‼️" if question.urgency == "high" else ""
    taken = f" · taken by @{question.taken_by}" if question.taken_by else ""
    state = f" · {state}" if state else ""
    return Text.of(
        "\n• {label}{urgent} by {asker}, {waited} ago — “{quote}”{topics}{taken}{state} {link}",
        label=texts.label(question), urgent=urgent, asker=texts.asker(question),
        waited=texts.ago(turn.now - question.posted_at), quote=texts.excerpt(question.text, 80),
        topics=topics, taken=taken, state=state, link=texts.question_link(question, "open"),
    )


async def mark_answered(call: CommandCall, turn: Turn) -> Text | str:
    event = turn.event
    assert isinstance(event, CommandInvoked)
    question = which_question(call, turn, event.user, event.channel.id)
    if question is None:
        raise UsageError(
            "I couldn't tell which question you mean. Run it in the question's thread, or name "
            "it by number (`/community questions` lists them)."
        )
    if event.user.id != question.asker_external_id and call.role < Role.CHAMPION:
        return f"Only the asker or a champion can mark {texts.label(question)} answered."
    if question.status != "open":
        return f"{texts.label(question)} is already {question.status}."
    close_and_tell(turn.outbox, question, status="answered", at=turn.now, by=event.user.id,
                   how="command", why="✅ Marked answered — thanks anyway!")
    return Text.of("✅ Marked {label} answered: {link}", label=texts.label(question),
                   link=texts.question_link(question))


def which_question(
    call: CommandCall, turn: Turn, user: UserRef, channel_id: str
) -> Question | None:
    if call.words:
        number = call.words[0].upper().removeprefix("Q").lstrip("#")
        if len(call.words) > 1 or not number.isdigit():
            raise UsageError(f"{call.words[0]!r} is not a question number like Q12.")
        return store.get_question(turn.session, turn.community_id, int(number))
    # A Discord thread or forum post is its own channel, named by its root message.
    in_thread = store.find_by_message(turn.session, turn.community_id, channel_id, channel_id)
    return in_thread or store.latest_open_question_of(
        turn.session, turn.community_id, user.id, channel_id
    )


async def search_faq(call: CommandCall, turn: Turn) -> Text | str:
    words = " ".join(call.words).strip()
    if not words:
        raise UsageError("Say what to look for, e.g. `/community faq reset password`.")
    hits = store.search_faq(turn.session, turn.community_id, words)
    return texts.faq_results(words, hits)
