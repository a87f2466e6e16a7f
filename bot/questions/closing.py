"""Closing a question (answered, dismissed, deleted) and telling the champions still asked
about it, so nobody works on a question that needs nothing any more."""

from __future__ import annotations

from datetime import datetime

from bot.events import ChannelRef, MessageRef
from bot.questions import store, texts
from storage.outbox import Outbox, sent_result
from storage.questions_tables import Question


def close_and_tell(
    outbox: Outbox, question: Question, *, status: str, at: datetime, why: str,
    by: str | None = None, how: str | None = None,
) -> bool:
    """Close an open question and turn waiting champions' DMs into a note without buttons;
    False when it was not open (nothing changed)."""
    session = outbox.session
    if question.status != "open":
        return False
    waiting = store.close_question(session, question, status=status, at=at, by=by, how=how)
    for ping in waiting:
        sent = sent_result(session, store.ping_key(question.id, ping.step))
        if sent is None:
            continue  # not delivered (yet): there is nothing to edit
        ref = MessageRef(channel=ChannelRef(**sent["channel"]), id=sent["id"],
                         thread_id=sent.get("thread_id"))
        outbox.update(ref, texts.ping_closed(question, why),
                      key=f"ping-closed:{question.id}:{ping.step}")
    return True
