"""What start-up and the film catalog compute from every passage, made once by a build and stored with the index.

A Searcher needs each passage's film, each film's name and title words, and each list's
introductions (``films.film_table``); the first catalog question needs the catalog
(``catalog.build_catalog``). Both are passes over every passage: at a million passages they took
6.4 s of start-up and 19 s on the first catalog question (benchmarks/scale.py). So a build makes
them, next to the near-duplicates they depend on, and stores them as ``films.json`` (each film's
key, name and title words), ``films.npz`` (each passage's film, the introductions) and
``catalog.json``, checksummed in the manifest like every index file; a load reads them.

They come from this code as much as from the corpus: the manifest records a digest of the source
that makes them (``TABLES_SOURCE``). An index whose tables another version of that code made has
them made again at start-up, so answers are always this code's, until `filmchat index` stores new ones.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import numpy as np

from .catalog import build_catalog, catalog_data, gc_paused
from .chunking import Chunk
from .films import FilmCatalog, FilmTable, film_table

FILES = ("films.json", "films.npz", "catalog.json")
# the code whose output the tables are (with wordfreq: which title words are everyday English)
TABLES_SOURCE = ("chunking.py", "text.py", "patterns.toml", "films.py", "facts.py", "catalog.py", "tables.py")
ARRAYS = ("film_of", "intros", "intro_bounds", "intro_films")


@functools.cache
def tables_version() -> str:
    """A digest of the code that makes the tables: tables made by other code are not used."""
    import importlib.metadata as md

    h = hashlib.sha256()
    for name in TABLES_SOURCE:
        h.update((Path(__file__).parent / name).read_bytes())
    h.update(md.version("wordfreq").encode())
    return h.hexdigest()[:16]


def write_tables(build: Path, chunks: list[Chunk], duplicate_of: list[int]) -> None:
    """Make the film table and the catalog from every passage and write them into a build folder."""
    with gc_paused():
        table = film_table(chunks)
        catalog = build_catalog(chunks, FilmCatalog(chunks, table), duplicate_of)
        data = catalog_data(catalog, chunks)
    (build / "films.json").write_text(json.dumps({"keys": table.keys, "names": table.names, "title_words": table.title_words,
                                                  "ordinary": table.ordinary}, ensure_ascii=False), encoding="utf-8")
    with open(build / "films.npz", "wb") as f:
        np.savez(f, **{name: getattr(table, name) for name in ARRAYS})
    (build / "catalog.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def read_tables(build: Path, manifest: dict, chunks: int) -> tuple[FilmTable | None, list | None]:
    """The film table and the catalog data a build stored (checksums verified before), or (None, None) when
    another version of the code made them. Raises ValueError when they do not fit the index's passages."""
    if manifest.get("tables") != tables_version():
        return None, None
    with gc_paused():
        films = json.loads((build / "films.json").read_text(encoding="utf-8"))
        catalog = json.loads((build / "catalog.json").read_text(encoding="utf-8"))
    with np.load(build / "films.npz", allow_pickle=False) as z:
        arrays = {name: z[name] for name in ARRAYS}
    table = FilmTable(films["keys"], films["names"], films["title_words"], films["ordinary"], **arrays)
    n = len(table.keys)
    fo, bounds = table.film_of, table.intro_bounds
    if not (len(table.names) == len(table.title_words) == len(table.ordinary) == len(catalog) == n
            and len(fo) == chunks and (not chunks or -1 <= fo.min() <= fo.max() < n)
            and len(bounds) == len(table.intros) + 1 and bounds[0] == 0 and bounds[-1] == len(table.intro_films)
            and np.all(np.diff(bounds) >= 0)
            and all(not len(a) or 0 <= a.min() <= a.max() < chunks for a in (table.intros, table.intro_films))):
        raise ValueError("the film tables do not fit the passages")
    return table, catalog
