"""Crash and corruption safety, counted: builds SIGKILLed at random moments, index files damaged every way.

    .venv/bin/python benchmarks/attack.py                 # 25 kills, 29 corruptions (a few minutes)
    .venv/bin/python benchmarks/attack.py --kills 5       # shorter

Kills: the shipped corpus and its index in a temp folder; before each kill an article
changes and a new one appears or goes, so every build has work to do; `filmchat index`
is started and SIGKILLed after a random share of the time a whole build takes. After
each kill the index must load with every checksum verified and answer a known question
rightly. Finally one build runs to the end and must leave nothing behind.

Corruptions: every index file (the nine artifacts and the manifest) is flipped in one
byte, cut to half its size and (the artifacts) deleted — 29 kinds of damage. Each must
be detected on load (IndexCorrupt, never an answer from damaged data) and reported by
`filmchat status`; the file is then restored.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import CORPUS, ENV, describe, machine, save, table

QUESTION, FILM = "which film is about a Korean adoptee?", "My Father"
LANTERN = "Lantern Films\n\n1. Paper Lantern\n\nAn old lantern maker teaches a runaway boy his craft in Jeonju.\n"


def damages(build: Path) -> list[tuple[str, str]]:
    """(file, how) for every kind of damage tried: flip, truncate, delete each artifact; flip, truncate the manifest."""
    from filmchat.index import ARTIFACTS

    return [(name, how) for name in ARTIFACTS for how in ("flip", "truncate", "delete")] + \
        [("manifest.json", "flip"), ("manifest.json", "truncate")]


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "flip":
        at = len(data) // 2
        path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:])
    elif how == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.unlink()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=25)
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args(argv)

    from filmchat.lifecycle import open_composer
    from filmchat.embedding import Embedder
    from filmchat.build import build_index
    from filmchat.index import IndexCorrupt, index_status, load_index
    from filmchat.settings import load_settings

    rng = random.Random(args.seed)
    embedder = Embedder()
    with tempfile.TemporaryDirectory(prefix="filmchat-attack-") as work:
        corpus = Path(shutil.copytree(CORPUS, Path(work) / "corpus"))
        settings = load_settings(env={}, corpus_dir=corpus, index_dir=Path(work) / "index")
        build_index(settings, embedder)
        cmd = [sys.executable, "-m", "filmchat.cli", "index", "--corpus", str(corpus),
               "--index-dir", str(settings.index_dir)]
        env = {**os.environ, **ENV}
        big = corpus / "true-stories-behind-korean-films.txt"
        original = big.read_text(encoding="utf-8")

        def change(n: int) -> None:
            big.write_text(original + f"\nA note added on visit {n}.\n", encoding="utf-8")
            lantern = corpus / "lantern.txt"
            lantern.write_text(LANTERN, encoding="utf-8") if n % 2 else lantern.unlink(missing_ok=True)

        def answers_right() -> bool:
            load_index(settings)  # every checksum verified
            composer = open_composer(settings, embedder=embedder, build=False, log=lambda m: None)
            return composer.ask(QUESTION).films[:1] == [FILM]

        change(0)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        whole = time.perf_counter() - t0
        killed = right = 0
        for n in range(1, args.kills + 1):
            change(n)
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.0) * whole)
            killed += proc.poll() is None
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            right += answers_right()
        change(args.kills + 1)
        final = subprocess.run(cmd, env=env, capture_output=True, text=True)
        builds = [p.name for p in settings.index_dir.iterdir() if p.name.startswith("build-")]
        clean = final.returncode == 0 and len(builds) == 1 and index_status(settings).ok and answers_right()

        build = load_index(settings).directory
        detected = reported = 0
        kinds = damages(build)
        for name, how in kinds:
            path = build / name
            saved = path.read_bytes()
            damage(path, how)
            try:
                load_index(settings)
            except IndexCorrupt:
                detected += 1
            st = index_status(settings)
            reported += st.missing and not st.ok  # reported as damaged, never as "index matches"
            path.write_bytes(saved)
        intact = answers_right()

    m = machine()
    text = table(["attack", "tried", "landed mid-build / detected", "index answered rightly afterwards"],
                 [[f"SIGKILL `filmchat index` at a random moment (0.05–1 × a whole build, {whole:.1f} s)",
                   args.kills, f"{killed} killed while running", f"{right}/{args.kills}"],
                  ["damage an index file (flip a byte, cut in half, delete)", len(kinds),
                   f"{detected} on load, {reported} by status", "restored: yes" if intact else "NO"]])
    text += f"\n\nThe build after the kills finished and left one build folder: {'yes' if clean else 'NO'}."
    path = save("attack", {"machine": m, "kills": args.kills, "killed_running": killed, "right_after": right,
                           "clean_after": clean, "damages": len(kinds), "detected": detected, "reported": reported},
                text)
    print(f"Machine: {describe(m)}\n\n{text}")
    print(f"\n(saved to {path})", file=sys.stderr)
    return 0 if right == args.kills and clean and detected == reported == len(kinds) and intact else 1


if __name__ == "__main__":
    raise SystemExit(main())
