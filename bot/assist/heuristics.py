"""Is it a question, what is it about, how urgent: the local answers, used without OpenAI and
whenever the model is slow or wrong.

Signals: a question mark, an interrogative opening ("how", "can", "does"), help-seeking phrases
("anyone know", "I'm stuck", "doesn't work"), and error traces. Greetings, thanks and small talk
are not questions, even in a help channel.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from bot.assist import Classification
from bot.assist.similarity import MAX_SCANNED, TopicIndex

_OPENERS = (
    "how", "what", "why", "when", "where", "which", "who", "whom", "whose", "can", "could",
    "does", "do", "did", "is", "are", "should", "would", "will", "has", "have", "any",
    "anyone", "anybody", "someone", "somebody", "help", "is there",
)
_HELP_PHRASES = re.compile(
    r"\b(how (do|can|should|would) (i|we|you)|anyone (know|tried|seen|else)|any (idea|ideas|"
    r"tips|advice|pointers)|does anyone|is there a way|i'?m stuck|i am stuck|need help|"
    r"help me|can'?t figure|cannot figure|doesn'?t work|does not work|not working|won'?t work|"
    r"keeps? (failing|crashing)|getting (an? )?(error|exception)|what am i missing|"
    r"wondering (if|whether|how)|not sure (how|why|what|if))\b"
)
_TRACE = re.compile(
    r"(Traceback \(most recent call last\)|\b\w+(Error|Exception)\b:|^\s+at [\w.$<>]+\(|"
    r"\bpanic:|\bsegmentation fault\b|\bexit (code|status) [1-9]|\bFATAL\b|"
    r"\bERROR\b|\bstack ?trace\b)",
    re.MULTILINE,
)
_CHATTER = re.compile(
    r"^(hi|hello|hey|hiya|yo|howdy|greetings|good (morning|afternoon|evening|night)|gm|"
    r"thanks|thank you|thank|thx|ty|cheers|much appreciated|welcome|congrats|"
    r"congratulations|how are (you|you all|things|everyone)|how'?s it going|what'?s up|sup|"
    r"bye|see you|(that|this|it) (worked|works|helped|fixed it)|solved|fixed|great|awesome|"
    r"nice|cool|ok|okay|lol|\+1)\b"
)
_NON_WORD = re.compile(r"[^\w'@+]+")
_URGENT = re.compile(
    r"\b(urgent|urgently|asap|emergency|outage|production (is )?down|prod (is )?down|"
    r"site (is )?down|data loss|blocker|blocking (us|me|our)|critical)\b"
)
_LOW = re.compile(r"\b(no rush|whenever|just curious|out of curiosity|low priority)\b")


def is_chatter(text: str) -> bool:
    """A greeting, a thank-you or small talk ("thanks, that worked!", "hi all 👋"): never a
    question, unless more follows than a name or two ("hi, how do I …" is a question)."""
    lowered = text.strip().lower()[:300]
    found = _CHATTER.match(lowered)
    if not found or _HELP_PHRASES.search(lowered) or _TRACE.search(text[:300]):
        return False
    rest = _NON_WORD.sub(" ", lowered[found.end():]).split()
    return len(rest) <= 3 and not (rest and rest[0] in _OPENERS)


def looks_like_question(text: str) -> bool:
    body = text.strip()[:MAX_SCANNED]
    if not body or is_chatter(body):
        return False
    lowered = body.lower()
    if "?" in body or _HELP_PHRASES.search(lowered) or _TRACE.search(body):
        return True
    first = re.split(r"[\s,]+", lowered, maxsplit=2)
    return first[0] in _OPENERS or " ".join(first[:2]) in _OPENERS


def urgency(text: str) -> str:
    lowered = text[:MAX_SCANNED].lower()
    if _URGENT.search(lowered):
        return "high"
    if _LOW.search(lowered):
        return "low"
    return "normal"


@functools.lru_cache(maxsize=16)
def topic_index(topics: tuple[tuple[str, str], ...]) -> TopicIndex:
    """The index for a vocabulary: it changes rarely, and building it costs more than tagging."""
    return TopicIndex(dict(topics))


def classify(
    text: str, topics: Mapping[str, str], *, is_question: bool | None = None
) -> Classification:
    """The heuristic verdict, with topics tagged from `topics` (name -> keywords);
    `is_question` when the caller has already decided (a help channel decides differently)."""
    return Classification(
        is_question=looks_like_question(text) if is_question is None else is_question,
        topics=tuple(topic_index(tuple(topics.items())).tags(text)) if topics else (),
        urgency=urgency(text),
        source="heuristic",
    )
