"""Local text similarity: terms and topic scores."""

from __future__ import annotations

from bot.assist.similarity import TopicIndex, cosine, terms


def test_terms_drop_stop_words_and_plurals_and_keep_code_words() -> None:
    assert terms("How do I tune the Databases? c++ and C# and node.js") == [
        "tune", "database", "c++", "c#", "node.j"]
    assert terms("Как установить пакет?") == ["как", "установить", "пакет"]
    assert len(terms("word " * 10_000)) < 1000  # long texts are read only so far


def test_topic_scores_weigh_the_share_of_a_topic_mentioned() -> None:
    index = TopicIndex({"python packaging": "", "python async": "", "postgres": "vacuum"})
    scores = index.scores("python packaging with pip")
    assert scores["python packaging"] == 1.0
    assert 0 < scores["python async"] < 0.5  # shares only the common word
    assert index.scores("vacuum runs forever") == {"postgres": 1.0}
    assert index.tags("python async await question") == ["python async"]
    assert TopicIndex([]).scores("anything") == {}


def test_cosine() -> None:
    assert cosine([1, 0], [1, 0]) == 1.0
    assert cosine([1, 0], [0, 1]) == 0.0
    assert cosine([0, 0], [1, 1]) == 0.0
