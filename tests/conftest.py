"""Shared fixtures: paths to the repository's sample and to ../shared (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


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
