"""Questions: detected when asked, answered when someone else replies or it is marked, and
claimed or passed by champions from the DM the SLA sweep (`bot.jobs.sla_sweep`) sent them.

In help channels every top-level post is a question; elsewhere the heuristic decides, and the
OpenAI assist, when configured, refines the verdict after the event is committed. Replies by
the asker and by bots never count as answers.
"""

from __future__ import annotations

import logging

from sqlalchemy import select

from bot.assist import heuristics
from bot.context import Turn
from bot.events import (
    ActionClicked,
    ChannelRef,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageRef,
    ReactionAdded,
    UserRef,
)
from bot.handlers import question_assist, question_commands
from bot.questions import store, texts
from bot.questions.closing import close_and_tell
from bot.roles import Role, role_of
from bot.router import Router
from bot.text import Text
from storage.models import Member, Message
from storage.questions_tables import Question

log = logging.getLogger(__name__)

TAKE, PASS = "question.take", "question.pass"
CLOSED = {"answered": "✅ Already answered — thanks!", "deleted": "🗑️ The question was deleted.",
          "dismissed": "Not a question after all: nothing to do."}
RANK_REPLY, RANK_CHAMPION, RANK_ACCEPTED = 1, 2, 3


def register(router: Router) -> None:
    router.on(MessagePosted)(on_message)
    router.on(ReactionAdded)(mark_answered_by_reaction)
    router.on(MessageEdited)(follow_question_edit)
    router.on(MessageDeleted)(forget_deleted_question)
    router.on(ActionClicked)(answer_ping_button)
    question_commands.register(router)


def is_help_channel(turn: Turn, channel: ChannelRef) -> bool:
    names = turn.config.channels.help_keys
    return (channel.name or "").lower() in names or channel.id.lower() in names


def is_reply(message: MessageRef) -> bool:
    return message.thread_id is not None and message.thread_id != message.id


async def on_message(event: MessagePosted, turn: Turn) -> None:
    section = turn.config.questions
    if not section.enabled or event.author.is_bot or event.message.channel.is_dm:
        return
    if is_reply(event.message):
        await track_reply(event, turn)
        return
    in_help = is_help_channel(turn, event.message.channel)
    if not in_help and not section.detect_elsewhere:
        return
    if in_help:
        is_question = bool(event.text.strip()) and not heuristics.is_chatter(event.text)
    else:
        is_question = heuristics.looks_like_question(event.text)
    second_opinion = (turn.ctx.assist is not None
                      and question_assist.worth_asking(event.text, is_question))
    if not is_question and not second_opinion:
        return  # most messages: no query at all
    topics = store.vocabulary(turn.session, turn.config, turn.community_id)
    asked = store.Asked(event.message.channel, event.message.id, event.author, event.text,
                        event.at)
    if is_question:
        verdict = heuristics.classify(event.text, topics, is_question=True)
        store.record_question(turn.session, turn.config, turn.community_id, asked, verdict,
                              source="help-channel" if in_help else "heuristic")
    if second_opinion:
        question_assist.refine_later(turn, asked, in_help=in_help, topics=list(topics))


async def track_reply(event: MessagePosted, turn: Turn) -> None:
    """A reply in a question's thread: the first answers it; the best one becomes its FAQ
    answer. The question row is loaded only when something is to be written."""
    root = event.message.thread_id or event.message.id
    state = store.thread_question(turn.session, turn.community_id, event.message.channel.id,
                                  root)
    if state is None or state.status not in ("open", "answered"):
        return
    if event.author.id == state.asker_external_id:
        return  # the asker's own follow-up
    question: Question | None = None
    if state.status == "open":  # the first reply answers it and is its first response
        question = store.load(turn.session, state.id)
        close_and_tell(turn.outbox, question, status="answered", at=event.at,
                       by=event.author.id, how="reply", why=answered_by_note(event.author))
    elif state.awaits_first_response:  # marked answered before anyone replied
        question = store.load(turn.session, state.id)
        store.record_first_response(turn.session, question, event.at, event.author.id)
    current = state.answer_rank
    if current is not None and current >= RANK_CHAMPION:
        return  # only an accepted reply (a ✅) can improve the FAQ answer now
    role = role_of(turn.session, turn.config, turn.community, turn.community_id, event.author)
    rank = RANK_CHAMPION if role >= Role.CHAMPION else RANK_REPLY
    if current is not None and current >= rank:
        return
    store.record_answer(
        turn.session, question or store.load(turn.session, state.id), text=event.text,
        author=event.author, message_id=event.message.id, rank=rank, at=event.at,
        current=current,
    )


def answered_by_note(user: UserRef) -> str:
    return f"✅ Answered by @{user.name or user.id} — nothing needed from you, thanks!"


async def mark_answered_by_reaction(event: ReactionAdded, turn: Turn) -> None:
    """✅ by the asker or a champion, on the question or on a reply (which it accepts)."""
    if event.user.is_bot or event.emoji.strip(":") not in turn.config.questions.answered_emoji:
        return
    root = event.message.thread_id or event.message.id
    question = store.find_by_message(turn.session, turn.community_id,
                                     event.message.channel.id, root)
    if question is None or question.status not in ("open", "answered"):
        return
    if event.user.id != question.asker_external_id:
        role = role_of(turn.session, turn.config, turn.community, turn.community_id, event.user)
        if role < Role.CHAMPION:
            return
    close_and_tell(turn.outbox, question, status="answered", at=event.at, by=event.user.id,
                   how="reaction", why="✅ Marked answered — thanks anyway!")
    if event.message.id != question.message_external_id:
        accept_reply(turn, question, event.message)


def accept_reply(turn: Turn, question: Question, reply: MessageRef) -> None:
    channel_id = turn.ctx.directory.channel_id(turn.session, turn.community_id, reply.channel)
    found = turn.session.execute(
        select(Message.text, Member.external_id, Member.display_name)
        .join(Member, Member.id == Message.author_id)
        .where(Message.channel_id == channel_id, Message.external_id == reply.id)
    ).first()
    if found is None:
        return  # a bot's message or one from before the bot was here
    author = UserRef(id=found.external_id, name=found.display_name or None)
    store.record_answer(turn.session, question, text=found.text, author=author,
                        message_id=reply.id, rank=RANK_ACCEPTED, at=turn.now)


async def follow_question_edit(event: MessageEdited, turn: Turn) -> None:
    """An asker who adds detail improves matching and the FAQ: keep the latest text."""
    question = store.find_by_message(turn.session, turn.community_id,
                                     event.message.channel.id, event.message.id)
    if question is not None and question.message_external_id == event.message.id:
        store.update_text(turn.session, question, event.text)


async def forget_deleted_question(event: MessageDeleted, turn: Turn) -> None:
    question = store.find_by_message(turn.session, turn.community_id,
                                     event.message.channel.id, event.message.id)
    if question is None or question.message_external_id != event.message.id:
        return
    close_and_tell(turn.outbox, question, status="deleted", at=event.at,
                   why="🗑️ The question was deleted.")


async def answer_ping_button(event: ActionClicked, turn: Turn) -> None:
    if event.action_id not in (TAKE, PASS):
        return
    question = None
    if event.value.isdigit():
        question = store.get_question(turn.session, turn.community_id, int(event.value))
    ping = store.ping_of(turn.session, question.id, event.user.id) if question else None
    if question is None or ping is None:
        respond(turn, event, "This button isn't for you, or it is out of date.", replace=False)
        return
    link = texts.question_link(question)
    if question.status != "open":
        respond(turn, event, texts.ping_closed(question, CLOSED.get(question.status, "")))
    elif question.taken_by and question.taken_by != event.user.id:
        respond(turn, event, Text.of("🙌 {who} took this one already. {link}",
                                     who=UserRef(id=question.taken_by), link=link))
    elif event.action_id == TAKE:
        if question.taken_by == event.user.id or store.take(turn.session, question, ping,
                                                            turn.now):
            turn.outbox.reply(texts.question_ref(question),
                              texts.taken_notice(question, event.user),
                              key=f"question-taken:{question.id}")
        respond(turn, event, Text.of(
            "✅ It's yours — thank you! Answer in the thread: {link}", link=link))
    elif store.pass_on(turn.session, question, ping, turn.now):
        respond(turn, event, "👍 No problem, I'll ask someone else.")
    else:
        respond(turn, event, "👍 No problem — someone else has been asked already.")


def respond(turn: Turn, event: ActionClicked, text: Text | str, *, replace: bool = True
            ) -> None:
    """Answer a click by replacing the DM it came from (so its buttons go), or privately
    (always, when the click was not the champion's own: their message is not theirs to edit)."""
    key = f"ping-click:{event.event_id}"
    if replace and event.message is not None:
        turn.outbox.update(event.message, text, key=key)
    elif event.channel is not None:
        turn.outbox.ephemeral(event.channel, event.user, text, interaction=event.interaction,
                              key=key)
