"""``anthology init``: copy a small project that builds at once into a folder.

The project's files are package data in ``scaffold/`` beside this module and are copied as
they are. Package data leaves out dot-files, so ``.gitignore`` is shipped as ``gitignore``
and renamed on the way.
"""

from __future__ import annotations

from pathlib import Path

from .errors import AnthologyError, Diagnostic
from .load.manifest import MANIFEST_NAME
from .load.schema import schema_text

SCAFFOLD_DIR = Path(__file__).resolve().with_suffix("")  # src/anthology/scaffold/
RENAMED = {"gitignore": ".gitignore"}
MERGED = {".gitignore"}  # an existing one is extended, never replaced


def scaffold_files() -> dict[str, Path]:
    """Where each scaffold file goes in a new project (POSIX, relative) → its packaged source."""
    out: dict[str, Path] = {}
    for source in sorted(SCAFFOLD_DIR.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        rel = source.relative_to(SCAFFOLD_DIR)
        name = RENAMED.get(rel.name, rel.name)
        out[rel.with_name(name).as_posix()] = source
    return out


def init_project(target: Path | str, *, force: bool = False) -> list[Path]:
    """Create a working project in ``target`` (made if missing); return the files written.

    Refuses, without writing anything, when ``target`` already holds an anthology.yaml or any
    other file the scaffold would write, unless ``force``. An existing ``.gitignore`` is kept
    and only gains the lines it lacks.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        # "." so that the CLI, which prefixes the project folder, names the file itself
        raise AnthologyError.single(".", 0, 0, "init-not-a-folder", "this exists and is not a folder")
    files = scaffold_files()
    conflicts = [rel for rel in files if rel not in MERGED and (target / rel).exists()]
    if conflicts and not force:
        if MANIFEST_NAME in conflicts:
            raise AnthologyError.single(MANIFEST_NAME, 0, 0, "init-exists",
                                        f"{MANIFEST_NAME} already exists: this folder is already an anthology "
                                        "project (--force replaces it and the sample's other files)")
        raise AnthologyError([Diagnostic(rel, 0, 0, "error", "init-exists",
                                         f"{rel} already exists (--force overwrites it with the sample's)")
                              for rel in conflicts])
    for rel in conflicts:
        if (target / rel).is_dir():
            raise AnthologyError.single(rel, 0, 0, "init-not-a-file", f"{rel} is a folder: move it away first")

    written: list[Path] = []
    for rel, source in files.items():
        dest = target / rel
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            data: bytes | None = source.read_bytes()
            if rel in MERGED and dest.is_file():
                data = _merge_lines(dest.read_bytes(), source.read_bytes())
            if data is not None:
                dest.write_bytes(data)
                written.append(dest)
        except OSError as exc:
            raise AnthologyError.single(rel, 0, 0, "init-write", f"cannot write it: {exc.strerror}") from None
    # The schemas the first lines of anthology.yaml and people.yaml point editors at.
    for which, name in (("manifest", "anthology.schema.json"), ("people", "people.schema.json")):
        dest = target / ".schemas" / name
        dest.parent.mkdir(exist_ok=True)
        dest.write_text(schema_text(which), encoding="utf-8")
        written.append(dest)
    return written


def _merge_lines(existing: bytes, wanted: bytes) -> bytes | None:
    """``existing`` plus the non-comment lines of ``wanted`` it lacks; None when it lacks none."""
    have = {line.strip() for line in existing.decode("utf-8", "replace").splitlines()}
    missing = [line for line in wanted.decode("utf-8").splitlines()
               if line.strip() and not line.startswith("#") and line.strip() not in have]
    if not missing:
        return None
    head = existing if existing.endswith(b"\n") or not existing else existing + b"\n"
    return head + ("\n# anthology\n" + "\n".join(missing) + "\n").encode("utf-8")
