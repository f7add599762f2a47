"""Tables kept between runs: used while their files read the same, never stale."""

from __future__ import annotations

import marshal
import tomllib
from pathlib import Path
from typing import Any

import agenda.lexicon as lexicon_module
from agenda.lexicon import lexicon
from agenda.stored import stored, stored_toml


class _Builder:
    """Builds tables from one TOML file and counts how often it had to."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.builds = 0

    def __call__(self) -> dict[str, Any]:
        self.builds += 1
        data = tomllib.loads(self.source.read_text(encoding="utf-8"))
        return {"words": tuple(data["words"]), "first": frozenset(w[0] for w in data["words"])}


def _vocabulary(tmp_path: Path, words: str) -> Path:
    source = tmp_path / "da.toml"
    source.write_text(f"words = [{words}]\n", encoding="utf-8")
    return source


def test_a_second_start_uses_the_kept_tables(tmp_path: Path) -> None:
    source = _vocabulary(tmp_path, '"rettelse", "tilføjee"')
    build = _Builder(source)
    kept = tmp_path / "__pycache__" / "tables.marshal"
    first = stored([source], kept, build)
    second = stored([source], kept, build)
    assert build.builds == 1
    assert second == first == {"words": ("rettelse", "tilføjee"), "first": frozenset("rt")}


def test_an_edited_vocabulary_is_read_at_the_next_start(tmp_path: Path) -> None:
    source = _vocabulary(tmp_path, '"rettelse"')
    build = _Builder(source)
    kept = tmp_path / "__pycache__" / "tables.marshal"
    stored([source], kept, build)
    # The same size, written at once: only the content tells the two apart.
    source.write_text('words = ["tilføje"]\n', encoding="utf-8")
    assert stored([source], kept, build)["words"] == ("tilføje",)
    assert build.builds == 2


def test_a_damaged_copy_is_built_again(tmp_path: Path) -> None:
    source = _vocabulary(tmp_path, '"rettelse"')
    build = _Builder(source)
    kept = tmp_path / "__pycache__" / "tables.marshal"
    stored([source], kept, build)
    kept.write_bytes(kept.read_bytes()[:20])
    assert stored([source], kept, build)["words"] == ("rettelse",)
    assert build.builds == 2
    assert marshal.loads(kept.read_bytes())[1]["words"] == ("rettelse",)  # noqa: S302


def test_a_folder_that_cannot_be_written_builds_at_every_start(tmp_path: Path) -> None:
    source = _vocabulary(tmp_path, '"rettelse"')
    build = _Builder(source)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    kept = blocked / "__pycache__" / "tables.marshal"
    assert stored([source], kept, build)["words"] == ("rettelse",)
    assert stored([source], kept, build)["words"] == ("rettelse",)
    assert build.builds == 2
    assert set(tmp_path.iterdir()) == {source, blocked}  # no half-written copy left behind


def test_the_reader_s_vocabulary_kept_is_the_vocabulary_built() -> None:
    files = sorted(Path(lexicon_module.__file__).parent.glob("*.toml"))
    built = lexicon_module._tables(files)
    assert lexicon().phrases == built["phrases"]
    assert lexicon().index == built["index"]
    assert lexicon().combined == built["combined"]


def test_a_data_file_is_kept_parsed_and_read_again_when_edited(tmp_path: Path) -> None:
    words = tmp_path / "cli.toml"
    words.write_text('[help]\nusage = "Brug: "\n', encoding="utf-8")
    assert stored_toml(words) == {"help": {"usage": "Brug: "}}
    assert (tmp_path / "__pycache__" / "cli.marshal").exists()
    words.write_text('[help]\nusage = "Kald: "\n', encoding="utf-8")
    assert stored_toml(words) == {"help": {"usage": "Kald: "}}
