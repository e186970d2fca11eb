"""The errors a user can fix, and the guard that turns known failures into one line.

Both the CLI and the web app (``python app.py``) use these, so neither imports the other.
"""

from __future__ import annotations

import functools

import click


class UserError(click.ClickException):
    """A problem the user can fix: printed as one line, exit status 1, no traceback."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def guarded(fn):
    """Known failures (no corpus, bad index, missing model, bad settings or input) end as one clear line."""
    from .corpus import CorpusError
    from .embedding import ModelError
    from .index import IndexProblem
    from .settings import SettingsError
    from .validation import BadInput

    @functools.wraps(fn)
    def run(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (CorpusError, IndexProblem, ModelError, SettingsError, BadInput) as e:
            raise UserError(f"error: {e}") from e

    return run
