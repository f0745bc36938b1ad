"""Shared fixtures: paths to the repository's sample and to ../shared (skipped when absent)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
_CACHES = ""


def pytest_configure(config: pytest.Config) -> None:
    """Builds keep their layout cache and lock outside the project during the tests: the
    suite builds ../shared, which must never be written to (tests of the in-project cache
    unset ANTHOLOGY_CACHE_DIR themselves)."""
    global _CACHES
    _CACHES = tempfile.mkdtemp(prefix="anthology-test-caches-")
    os.environ["ANTHOLOGY_CACHE_DIR"] = _CACHES


def pytest_unconfigure(config: pytest.Config) -> None:
    if _CACHES:
        shutil.rmtree(_CACHES, ignore_errors=True)


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def seed_root() -> Path:
    root = SHARED / "seed"
    if not (root / "anthology.yaml").is_file():
        pytest.skip("../shared/seed is not present")
    return root


@pytest.fixture
def corpus_root() -> Path:
    root = SHARED / "corpus"
    if not (root / "anthology.yaml").is_file():
        pytest.skip("../shared/corpus is not present")
    return root


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The review files really parsed (not taken from a memo or the store), load after load."""
    from anthology.load import memo as memo_module

    seen: list[str] = []
    real = memo_module.parse_review

    def counting(path: Path, *args: object, **kwargs: object) -> object:
        seen.append(path.name)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(memo_module, "parse_review", counting)
    return seen
