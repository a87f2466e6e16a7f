"""The OpenAI assist's part in questions: a second opinion on "is it a question", topics by
meaning, and a suggested answer from the FAQ for new questions in help channels.

It runs as background work started after the event's transaction committed, so a slow or
failing model never holds up an event; whatever it cannot do leaves the heuristic result as it
was recorded.
"""

from __future__ import annotations

import logging

from bot.assist import Assist, Classification, PastAnswer, heuristics
from bot.context import BotContext, Turn
from bot.events import CommunityRef
from bot.questions import store, texts
from storage.outbox import Outbox

log = logging.getLogger(__name__)

MIN_LENGTH = 12  # shorter messages are not worth a model call unless already a question
SOURCES = 3  # past answers given to the model for a suggestion


def worth_asking(text: str, is_question: bool) -> bool:
    body = text.strip()
    return is_question or (len(body) >= MIN_LENGTH and not heuristics.is_chatter(body))


def refine_later(turn: Turn, asked: store.Asked, *, in_help: bool, topics: list[str]) -> None:
    ctx, assist = turn.ctx, turn.ctx.assist
    assert assist is not None
    community, community_id = turn.community, turn.community_id

    async def start() -> None:
        assist.run_in_background(
            refine(ctx, assist, community, community_id, asked, in_help, topics),
            name=f"classify:{asked.message_id}",
        )

    turn.later(start)


async def refine(
    ctx: BotContext, assist: Assist, community: CommunityRef, community_id: int,
    asked: store.Asked, in_help: bool, topics: list[str],
) -> None:
    verdict = await assist.classify(asked.text, topics)
    related = await assist.related_topics(asked.text, topics) if topics else []
    async with ctx.store.transaction() as session:
        question = store.find_by_message(session, community_id, asked.channel.id,
                                         asked.message_id)
        if not in_help and verdict is not None:
            if question is None and verdict.is_question:
                merged = Classification(True, tuple([*verdict.topics, *related]),
                                        verdict.urgency, "openai")
                store.record_question(session, ctx.config, community_id, asked, merged,
                                      source="openai")
                return
            if question is not None and not verdict.is_question:
                if question.step == 0:
                    store.close_question(session, question, status="dismissed",
                                         at=ctx.clock.now())
                return
        if question is None or question.status != "open":
            return
        if verdict is None and not related:
            return  # the model could not help: the heuristic verdict stands
        fallback = Classification(True, (), question.urgency, "heuristic")
        store.update_classification(session, question, ctx.config, verdict or fallback,
                                    related)
        question_id, text = question.id, question.text
    if in_help and ctx.config.questions.suggest_answers and question_id is not None:
        await suggest_answer(ctx, assist, community, community_id, question_id, text)


async def suggest_answer(
    ctx: BotContext, assist: Assist, community: CommunityRef, community_id: int,
    question_id: int, text: str,
) -> None:
    """Reply in the thread with an answer drawn from the closest past answers, labelled."""
    async with ctx.store.transaction() as session:
        hits = store.search_faq(session, community_id, text, limit=8,
                                exclude_question=question_id)
    if not hits:
        return
    candidates = [PastAnswer(h.faq_id, h.question, h.answer) for h in hits]
    closest = await assist.closest_answers(text, candidates, SOURCES)
    answer = await assist.suggest_answer(text, closest)
    if answer is None:
        return
    by_id = {hit.faq_id: hit for hit in hits}
    sources = [by_id[c.faq_id] for c in closest if c.faq_id in by_id]
    async with ctx.store.transaction() as session:
        question = store.get_question(session, community_id, question_id)
        if question is None or question.status != "open":
            return  # answered while the model was thinking
        outbox = Outbox(session, platform=community.platform, community_id=community_id,
                        now=ctx.clock.now())
        outbox.reply(texts.question_ref(question), texts.suggestion(answer, sources),
                     key=f"faq-suggest:{question_id}")
    ctx.wake_sender()
