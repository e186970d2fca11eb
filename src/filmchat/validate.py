"""What a request may hold, checked once for every way in: the chat page, its API, `ask` and `--batch`.

Nothing malformed is answered as if it were a question: a history sent as one string is not
split into letters, a number is not a question, and limits are named so they can be read.
"""

from __future__ import annotations

from dataclasses import dataclass

# The chat keeps the last 20 questions of a conversation and a follow-up looks back a few turns;
# a longer history is not a conversation but a payload.
MAX_HISTORY_TURNS = 50
MAX_HISTORY_CHARS = 20_000  # all earlier questions together (the question itself is cut at max_question_chars)


class BadRequest(ValueError):
    """A request that cannot be a question: its message says what was wrong and what is expected."""


@dataclass(frozen=True)
class Request:
    question: str
    history: list[str]


def checked(question: object, history: object = None) -> Request:
    """The question and earlier questions as text, or BadRequest saying what is wrong.

    History may be a list of strings, or the chat's message format ([{"role": "user",
    "content": "…"}, …], of which the user's turns are the earlier questions).
    """
    if question is None:
        raise BadRequest("the question is missing: send {\"question\": \"…\"}")
    if not isinstance(question, str):
        raise BadRequest(f"the question must be text, not {type(question).__name__}")
    if history is None:
        history = []
    if isinstance(history, (str, bytes)):
        raise BadRequest("history must be a list of earlier questions, not one piece of text")
    if not isinstance(history, (list, tuple)):
        raise BadRequest(f"history must be a list of earlier questions, not {type(history).__name__}")
    if len(history) > MAX_HISTORY_TURNS:
        raise BadRequest(f"history has {len(history)} turns; at most {MAX_HISTORY_TURNS} are accepted")
    turns = []
    for n, item in enumerate(history, 1):
        if isinstance(item, dict) and isinstance(item.get("content"), str):
            if item.get("role") == "user":
                turns.append(item["content"])
            continue
        if not isinstance(item, str):
            raise BadRequest(f"history item {n} must be text (an earlier question), not {type(item).__name__}")
        turns.append(item)
    if sum(len(t) for t in turns) > MAX_HISTORY_CHARS:
        raise BadRequest(f"history holds more than {MAX_HISTORY_CHARS:,} characters; send the last few questions")
    return Request(question, turns)
