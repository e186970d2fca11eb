"""The one text module: words, and the names a question writes with capitals."""

from __future__ import annotations

import pytest

from filmchat.text import capitalised_runs, is_ordinary, words


@pytest.mark.parametrize("question, names", [
    ("Who directed The Handmaiden?", ["The Handmaiden"]),
    ("What is Lee Chang-dong's film Poetry about?", ["Lee Chang-dong", "Poetry"]),
    ("For which movie did Youn Yuh-jung win her Oscar?", ["Youn Yuh-jung", "Oscar"]),
    ("Bong Joon-ho directed what?", ["Bong Joon-ho"]),
    ("Tell me about Miracle in Cell No. 7", ["Miracle in Cell No. 7"]),
    ("which film is about the boy kidnapped in Seoul in 1991?", ["Seoul"]),
    ("Is Hope, Always or Marathon longer?", ["Hope", "Always", "Marathon"]),
    ("I hope to find a film about a boxer", []),
    ("Who's in Train to Busan?", ["Train to Busan"]),  # "Who's" starts the question, as "Who" does
    ("What's Hope about?", ["Hope"]),
    ("Film student here – I'm writing a paper. Did Hope win?", ["Hope"]),  # "I'm" is no name, wherever it is
    ("WHO DIRECTED HOPE?", []),  # shouted: capitals say nothing
    ("Hope you can help me", []),  # a capital that only starts the sentence
    ("then it gets SUPER sad because of what happened to her", []),  # a word stressed, not a name
])
def test_capitalised_runs_are_the_names_a_question_writes(question, names):
    assert capitalised_runs(question) == names


def test_words_drop_apostrophes_and_fold_case():
    assert words("Salut D’Amour, Joon-ho's") == ["salut", "damour", "joon", "hos"]


def test_everyday_words_and_names():
    assert is_ordinary("hope") and is_ordinary("always") and not is_ordinary("busan") and not is_ordinary("taegukgi")


def test_formal_puts_a_casual_question_in_the_articles_register():
    from filmchat.text import formal

    assert formal("whats the film where the dad didnt do it") == "what is the film where the father did not do it"
    assert formal("my bro and his kids") == "my brother and his children"
    assert formal("a boxer and a blind woman") == "a boxer and a visually impaired woman"  # as articles put it
    assert formal("was he good b4 they let him out, like 2 hrs") == "was he good before they let him out, like 2 hours"
    assert formal("don't change what has an apostrophe, nor Dadaism") == "don't change what has an apostrophe, nor Dadaism"


def test_content_words_drop_question_words_short_words_and_repeats():
    from filmchat.text import content_words

    assert content_words("Which film is about a boxer and a blind woman, a boxer?") == ["boxer", "blind", "woman"]
    assert content_words("who is it about, Ok?", shortest=3) == []
    assert content_words("a man who always lies", drop={"always"}) == ["man", "lies"]
