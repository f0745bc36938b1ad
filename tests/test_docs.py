"""Generated references and schemas are up to date, and the schemas agree with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from anthology.cli import main
from anthology.reference import generated


def test_generated_references_are_up_to_date(repo_root: Path) -> None:
    stale = [str(path.relative_to(repo_root)) for path, text in generated(repo_root).items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    assert stale == [], "run: python -m anthology.reference"


def test_readme_links_to_the_guide(repo_root: Path) -> None:
    assert "docs/index.md" in (repo_root / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("which", ["manifest", "people"])
def test_schema_command_prints_the_shipped_schema(which: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", which]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")


def test_schemas_accept_the_sample_seed_and_corpus_and_reject_what_the_loader_rejects(
        repo_root: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from anthology.load.schema import manifest_schema, people_schema

    shared = repo_root.parent / "shared"
    roots = [repo_root] + [p for p in (shared / "seed", shared / "corpus") if p.is_dir()]
    for root in roots:
        jsonschema.validate(yaml.safe_load((root / "anthology.yaml").read_text(encoding="utf-8")), manifest_schema())
        jsonschema.validate(yaml.safe_load((root / "people.yaml").read_text(encoding="utf-8")), people_schema())
    for bad in ({"title": "T"}, {"title": "T", "chapters": [], "colour": "red"},
                {"title": "T", "chapters": ["a.md"], "pdf": {"marks": "dots"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, manifest_schema())
