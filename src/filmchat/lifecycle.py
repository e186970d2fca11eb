"""Opening the chat: model, index and searcher, the index brought up to date first when it can be.

When it cannot (a read-only or full disk, a missing corpus, another process rebuilding), the
last good index answers with a warning; a corrupt one is rebuilt; one built with another
model or chunking is refused with the command that fixes it.
"""

from __future__ import annotations

from .answer import Composer
from .search import Searcher


def open_composer(settings, embedder=None, build: bool = True, progress: bool = False, log=print) -> Composer:
    """Model + index + searcher, ready to answer.

    With ``build``, a missing, stale or corrupt index is (re)built first (the corpus
    must be there); an index built with another model or chunking is refused with the
    command that fixes it, rather than answering nonsense.
    """
    from .corpus import CorpusError, read_corpus
    from .embedding import Embedder
    from .build import build_index
    from .index import index_status, load_index
    from .store import IndexBusy, IndexCorrupt, IndexMismatch, IndexProblem, IndexUnwritable

    embedder = embedder or Embedder(settings.model, settings.backend)
    if not build:
        return Composer(Searcher(load_index(settings), embedder, settings))
    held: Exception | None = None  # why the index could not be brought up to date (the current one answers)
    try:
        status = index_status(settings)
    except CorpusError as e:  # the corpus is gone or unreadable: an intact index still answers
        status, held = None, e
    if status is not None and status.mismatch:
        raise IndexMismatch("; ".join(status.messages))
    if status is not None and not status.ok:
        try:
            read_corpus(settings.corpus_dir, settings.max_file_mb)  # no corpus: that is the error to report
            log(f"{status.messages[0].split(';')[0]}: building the index of {settings.corpus_dir} now")
            log(build_index(settings, embedder, progress=progress).summary())
        except IndexBusy as e:  # another process is rebuilding: the current index answers meanwhile
            held = e
        except CorpusError as e:  # the corpus is gone or unreadable: an intact index still answers
            held = e
        except OSError as e:  # a read-only or full index folder: an intact index still answers
            held = IndexUnwritable(f"cannot write the index in {settings.index_dir} ({e.strerror or e})")
        except IndexUnwritable as e:  # the same, found while writing the new build (a disk that filled up)
            held = e
    try:
        index = load_index(settings)
    except IndexProblem as e:
        if held:  # nothing to answer from: say why it could not be built
            raise held from None
        if not isinstance(e, IndexCorrupt):
            raise
        log(f"{e}: rebuilding from the corpus")
        try:
            log(build_index(settings, embedder, full=True, progress=progress).summary())
        except OSError as err:
            raise IndexUnwritable(f"cannot write the index in {settings.index_dir} ({err.strerror or err})") from None
        index = load_index(settings)
    if isinstance(held, IndexBusy):
        log("another `filmchat index` is rebuilding this index: answering from the current one meanwhile")
    elif held:
        log(f"warning: {held}; answering from the last index built")
    return Composer(Searcher(index, embedder, settings))
