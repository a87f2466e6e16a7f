"""What people read about questions: champion DMs, nudges, escalations, FAQ answers.

Links point at the question's message as `message:<channel id>/<message id>`, the neutral form
an adapter can turn into a permalink; the label names the channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.community_config import CommunityConfig
from bot.events import ChannelRef, MessageRef, UserRef
from bot.questions.store import FaqHit
from bot.text import Button, Link, Text
from bot.text import message_link as text_message_link

EXCERPT = 160


class Question(Protocol):
    """What the texts read of a question: a `questions` row, or the sweep's lighter select."""

    @property
    def id(self) -> int | None: ...
    @property
    def channel_external_id(self) -> str: ...
    @property
    def channel_name(self) -> str: ...
    @property
    def message_external_id(self) -> str: ...
    @property
    def asker_external_id(self) -> str: ...
    @property
    def asker_name(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def posted_at(self) -> datetime: ...
    @property
    def urgency(self) -> str: ...


def excerpt(text: str, limit: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h{minutes % 60:02d}m" if minutes % 60 else f"{minutes // 60}h"
    return f"{minutes // (24 * 60)}d"


def message_link(channel_id: str, channel_name: str, message_id: str, label: str = "") -> Link:
    return text_message_link(channel_id, message_id, label or f"#{channel_name or channel_id}")


def question_link(question: Question, label: str = "") -> Link:
    return message_link(question.channel_external_id, question.channel_name,
                        question.message_external_id, label or f"the question in #"
                        f"{question.channel_name or question.channel_external_id}")


def question_ref(question: Question) -> MessageRef:
    channel = ChannelRef(id=question.channel_external_id, name=question.channel_name or None)
    return MessageRef(channel=channel, id=question.message_external_id)


def asker(question: Question) -> UserRef:
    return UserRef(id=question.asker_external_id, name=question.asker_name or None)


def label(question: Question) -> str:
    return f"Q{question.id}"


def ping_dm(question: Question, now: datetime, matched: list[str]) -> Text:
    """The champion's DM: what was asked, by whom, why them, and the two buttons."""
    about = f" It looks like {', '.join(matched)}, which you know about." if matched else ""
    urgent = " The asker says it is urgent." if question.urgency == "high" else ""
    text = Text.of(
        "👋 Could you help? {asker} asked in {channel} {waited} ago and nobody has answered "
        "yet.{about}{urgent}\n> {quote}\n{link}",
        asker=asker(question),
        channel=ChannelRef(id=question.channel_external_id, name=question.channel_name or None),
        waited=ago(now - question.posted_at), about=about, urgent=urgent,
        quote=excerpt(question.text, 300), link=question_link(question, "Open the question"),
    )
    return text.with_buttons(
        Button(action_id="question.take", value=str(question.id), label="I'll take it",
               style="primary"),
        Button(action_id="question.pass", value=str(question.id), label="Not mine"),
    )


def nudge(question: Question, config: CommunityConfig) -> Text:
    """The public reply in the question's thread when the first champion is called."""
    section = config.questions
    text = Text.of("{asker}, {nudge}", asker=asker(question), nudge=section.nudge_text)
    if needs_detail(question.text) and section.nudge_tip:
        text += f"\n{section.nudge_tip}"
    return text


def needs_detail(text: str) -> bool:
    """Short questions without an error or code are the ones a how-to-ask tip helps."""
    return len(text.strip()) < 120 and "```" not in text and "Error" not in text


def escalation(questions: list[tuple[Question, list[str]]], now: datetime, more: int) -> Text:
    """The managers' channel post for questions every champion step has passed."""
    count = len(questions) + more
    head = ("⏰ A question is still unanswered" if count == 1
            else f"⏰ {count} questions are still unanswered")
    text = Text((head + " after the champion steps:",))
    for question, asked in questions:
        who = ", ".join("@" + name for name in asked) if asked else "no champion was available"
        text += Text.of(
            "\n• {label} by {asker} in {channel}, {waited} ago — “{quote}” (asked: {who}) {link}",
            label=label(question), asker=asker(question),
            channel=ChannelRef(id=question.channel_external_id,
                               name=question.channel_name or None),
            waited=ago(now - question.posted_at), quote=excerpt(question.text, 120), who=who,
            link=question_link(question, "open"),
        )
    if more:
        text += f"\n…and {more} more: `/community questions` lists them."
    return text


def taken_notice(question: Question, champion: UserRef) -> Text:
    return Text.of("{asker}, {champion} is looking into this. 🙌",
                   asker=asker(question), champion=champion)


def ping_closed(question: Question, why: str) -> Text:
    """What a champion's DM turns into once it needs nothing from them."""
    return Text.of("{why} {link}", why=why, link=question_link(question))


def suggestion(answer: str, sources: list[FaqHit]) -> Text:
    text = Text((f"💡 Suggested answer (written by AI from past answers in this community; it "
                 f"may be wrong):\n{answer}\nFrom: ",))
    for index, hit in enumerate(sources):
        text += Text(((", " if index else ""),
                      message_link(hit.channel_id, hit.channel_name, hit.message_id,
                                   f"“{excerpt(hit.question, 60)}”")))
    return text + "\nIf this solves it, react ✅ to your question; a person will still look."


def faq_results(words: str, hits: list[FaqHit]) -> Text | str:
    if not hits:
        return (f"No past answers match “{excerpt(words, 60)}”. Ask in the help channel: "
                "someone will answer, and the answer will be findable here.")
    text = Text((f"Past answers for “{excerpt(words, 60)}”:",))
    for hit in hits:
        by = UserRef(id=hit.answer_author, name=hit.answer_author_name or None)
        text += Text.of(
            "\n• Q: {question}\n  A: {answer} — {by}, {link}",
            question=excerpt(hit.question, 120), answer=excerpt(hit.answer, 240), by=by,
            link=message_link(hit.channel_id, hit.channel_name, hit.message_id,
                              f"thread in #{hit.channel_name or hit.channel_id}"),
        )
    return text
