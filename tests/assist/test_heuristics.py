"""The local question heuristic: questions, chatter, urgency and topic tags."""

from __future__ import annotations

import pytest

from bot.assist import heuristics

QUESTIONS = [
    "How do I tune autovacuum on a busy postgres table?",
    "anyone know why my build is slow",
    "Is there a way to export everything at once",
    "I'm stuck with the deploy script",
    "hi, how do I install the CLI?",
    "Hello, can someone help?",
    "thanks ben! what about the other one?",
    "Can't figure out the helm chart",
    "Traceback (most recent call last):\n  File \"app.py\", line 3",
    "ValueError: invalid literal for int() with base 10",
]
NOT_QUESTIONS = [
    "hi all", "Hello everyone 👋", "thanks, that worked!", "Thank you so much!!",
    "how are you?", "good morning team", "We shipped 2.0 today", "great news, we hit 1000 members",
    "", "   ", "lol", "x" * 50_000,
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_questions_are_recognised(text: str) -> None:
    assert heuristics.looks_like_question(text)


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_greetings_thanks_and_statements_are_not_questions(text: str) -> None:
    assert not heuristics.looks_like_question(text)


def test_urgency_from_the_words_used() -> None:
    assert heuristics.urgency("prod is down, urgent!") == "high"
    assert heuristics.urgency("no rush, just curious") == "low"
    assert heuristics.urgency("How do I log in?") == "normal"


def test_topics_are_tagged_from_names_and_keywords() -> None:
    topics = {"postgres": "postgresql sql vacuum autovacuum", "kubernetes": "k8s helm pods",
              "python packaging": "pip wheel poetry"}
    verdict = heuristics.classify("My helm chart pods crash on start?", topics)
    assert verdict.is_question and verdict.topics == ("kubernetes",)
    assert heuristics.classify("pip install fails for python 3.12", topics).topics == (
        "python packaging",)
    assert heuristics.classify("What is the meaning of life?", topics).topics == ()


def test_a_help_channels_verdict_is_kept_when_given() -> None:
    """In a help channel every top-level post is a question, whatever its wording."""
    topics = {"kubernetes": "k8s helm pods"}
    given = heuristics.classify("Deploying the helm chart today", topics, is_question=True)
    assert given.is_question and given.topics == ("kubernetes",)
    assert not heuristics.classify("Deploying the helm chart today", topics).is_question
