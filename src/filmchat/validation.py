"""What a request may carry, checked the same way for every entry point (`ask`, `--batch`, the chat, its API).

A question is a string; a history is a list of earlier questions (strings), or the chat's
own message format (``{"role": "user", "content": ...}``, whose user turns are the
questions). Anything else is refused with a message naming what was wrong, never turned
into text and answered: a string history used to be split into single characters, and
``null`` became the question "None". The limits are named in ``Settings``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .settings import Settings


class BadInput(ValueError):
    """A request that is not a question this app can answer; the message says what is wrong."""


def _kind(value) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
            dict: "an object", list: "a list"}.get(type(value), type(value).__name__)


def check_question(question, settings: Settings) -> str:
    if not isinstance(question, str):
        raise BadInput(f"the question must be a string, not {_kind(question)}")
    if len(question) > settings.max_request_question_chars:
        raise BadInput(f"the question is {len(question)} characters long; the limit is "
                       f"{settings.max_request_question_chars} (FILMCHAT_MAX_QUESTION_CHARS)")
    return question


def _turn_text(n: int, item) -> str | None:
    """The question in one history item (None for the chat's own answers), or BadInput."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict) and item.get("role") in ("user", "assistant", "system") and "content" in item:
        if item["role"] != "user":
            return None
        content = item["content"]
        if isinstance(content, str):
            return content
        if isinstance(content, list) and all(isinstance(p, dict) and isinstance(p.get("text", ""), str) for p in content):
            return " ".join(p.get("text", "") for p in content)
        raise BadInput(f"history item {n}: its content must be text, not {_kind(content)}")
    raise BadInput(f"history item {n} must be a string (an earlier question), not {_kind(item)}")


def check_history(history, settings: Settings) -> list[str]:
    """The earlier questions, oldest first; None or an empty list is a new conversation."""
    if history is None:
        return []
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise BadInput(f"the history must be a list of earlier questions, not {_kind(history)}")
    if len(history) > settings.max_history_turns:
        raise BadInput(f"the history has {len(history)} turns; the limit is {settings.max_history_turns} "
                       "(FILMCHAT_MAX_HISTORY_TURNS)")
    turns = [t for n, item in enumerate(history, 1) if (t := _turn_text(n, item)) is not None]
    size = sum(len(t) for t in turns)
    if size > settings.max_history_chars:
        raise BadInput(f"the history holds {size} characters; the limit is {settings.max_history_chars} "
                       "(FILMCHAT_MAX_HISTORY_CHARS)")
    return turns


def check_request(question, history, settings: Settings) -> tuple[str, list[str]]:
    return check_question(question, settings), check_history(history, settings)
