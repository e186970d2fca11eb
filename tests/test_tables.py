"""The film table and catalog a build stores: what start-up would make, refused when damaged, the same however built."""

from __future__ import annotations

import hashlib
import json

import pytest

from filmchat.build import build_index
from filmchat.catalog import build_catalog, catalog_rows, read_catalog
from filmchat.films import FilmCatalog
from filmchat.index import IndexCorrupt, index_status, load_index
from filmchat.tables import FILES

LISTS = ("Films Based On True Stories\n\n"
         "Below are some films based on true stories that will stay with you.\n\n"
         "1. Night Ferry\n\n"
         "Director: Jo Han\n\n"
         "Release date: March 3, 2015\n\n"
         "A ferry captain hides refugees below deck on the last crossing before the border closes.\n\n"
         "2. Paper Crane\n\n"
         "Running time: 112 minutes\n\n"
         "A girl folds a thousand paper cranes for her brother in hospital.\n")


def rewrite_manifest(settings, change) -> None:
    """Edit the live build's manifest (and CURRENT's checksum of it), as another filmchat would have written it."""
    build = load_index(settings).directory
    manifest = json.loads((build / "manifest.json").read_text())
    change(manifest)
    raw = json.dumps(manifest).encode()
    (build / "manifest.json").write_bytes(raw)
    (settings.index_dir / "CURRENT").write_text(f"{build.name} {hashlib.sha256(raw).hexdigest()}\n")


def test_the_stored_film_table_and_catalog_are_what_start_up_would_make(shipped_composer):
    index = shipped_composer.searcher.index
    assert index.films is not None and index.catalog is not None
    assert set(FILES) <= set(index.manifest["artifacts"])
    stored, made = FilmCatalog(index.chunks, index.films), FilmCatalog(index.chunks)
    assert list(stored.names.items()) == list(made.names.items()) and len(made) > 20
    assert dict(stored.chunk_ids) == dict(made.chunk_ids) and dict(stored.intros) == dict(made.intros) != {}
    assert stored.chunk_keys() == [made.key(c.film) for c in index.chunks]
    assert stored.ordinary == made.ordinary and stored.word_titles == made.word_titles
    read = read_catalog(index.catalog, index.chunks, stored)
    built = build_catalog(index.chunks, made, index.duplicate_of)
    assert read.films == built.films and catalog_rows(read) == catalog_rows(built)
    assert sum(bool(f.values["director"]) for f in read.films) > 10  # not an empty catalog compared with another


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("damage", ["flipped", "missing"])
def test_a_damaged_or_missing_table_file_is_refused_then_rebuilt(tiny_settings, embedder, name, damage):
    report = build_index(tiny_settings, embedder)
    path = report.directory / name
    if damage == "missing":
        path.unlink()
    else:
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x01
        path.write_bytes(bytes(data))
    word = "missing" if damage == "missing" else "corrupt"
    with pytest.raises(IndexCorrupt, match=f"{name} is {word}.*index --full"):
        load_index(tiny_settings)
    assert index_status(tiny_settings).missing
    report = build_index(tiny_settings, embedder)
    assert report.full and name in report.note
    assert load_index(tiny_settings).films is not None


def test_an_incremental_build_stores_the_tables_a_full_build_would(tiny_settings, embedder):
    build_index(tiny_settings, embedder)
    (tiny_settings.corpus_dir / "lists.txt").write_text(LISTS, encoding="utf-8")
    report = build_index(tiny_settings, embedder)
    assert not report.full and report.reused and report.added == ["lists.txt"]
    incremental = load_index(tiny_settings)
    film = FilmCatalog(incremental.chunks, incremental.films)
    ferry = read_catalog(incremental.catalog, incremental.chunks, film).get(film.key("Night Ferry"))
    assert [v.text for v in ferry.values["director"]] == ["Jo Han"]
    assert [v.text for v in ferry.values["true_story"]] == ["listed among films based on true stories"]
    assert build_index(tiny_settings, embedder, full=True).full
    full = load_index(tiny_settings)
    assert all(incremental.manifest["artifacts"][n] == full.manifest["artifacts"][n] for n in FILES)


def test_tables_another_version_of_the_code_made_are_made_again(tiny_settings, embedder):
    """The tables are this code's output: made by other code, start-up makes them again and the next build
    stores new ones, without embedding anything."""
    build_index(tiny_settings, embedder)
    rewrite_manifest(tiny_settings, lambda m: m.update(tables="0" * 16))
    index = load_index(tiny_settings)
    assert index.films is None and index.catalog is None  # start-up makes them (FilmCatalog, build_catalog)
    status = index_status(tiny_settings)
    assert status.ok and "film tables" in status.messages[0]
    report = build_index(tiny_settings, embedder)
    assert report.rebuilt and report.embedded == 0 and "film tables" in report.note
    assert load_index(tiny_settings).films is not None
    assert build_index(tiny_settings, embedder).rebuilt is False
