"""Errors a user can fix, and the guard that turns known failures into one clear line.

Shared by the CLI and the chat server (`python app.py`), so neither imports the other for it.
"""

from __future__ import annotations

import functools

import click


class UserError(click.ClickException):
    """A problem the user can fix: printed as one line, exit status 1, no traceback."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def guarded(fn):
    """Known failures (no corpus, bad index, missing model) end as one clear line."""
    from .corpus import CorpusError
    from .embedding import ModelError
    from .store import IndexProblem

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (CorpusError, IndexProblem, ModelError) as e:
            raise UserError(f"error: {e}") from e
        except OSError as e:  # a read-only or full disk, a folder that cannot be made: one line, no traceback
            where = f" ({e.filename})" if e.filename else ""
            raise UserError(f"error: {e.strerror or e}{where}") from e

    return run
