"""Compiled templates kept in the user's cache folder (render/html.py, render/cachedir.py):
never in a project's; an edited template compiled again; a damaged, foreign or unusable
folder only means compiling again."""

from __future__ import annotations

import os
from pathlib import Path

import jinja2
import pytest

from anthology.render import html
from anthology.render.cachedir import ENVIRONMENT, user_cache_dir
from anthology.render.html import make_environment, render


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(ENVIRONMENT, str(tmp_path / "caches"))
    return tmp_path / "caches" / "user" / f"templates-jinja{jinja2.__version__}"


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates Jinja compiles from source from now on."""
    names: list[str] = []
    real = jinja2.Environment.compile

    def counting(self: jinja2.Environment, source: object, name: str | None = None, *args: object,
                 **kwargs: object) -> object:
        names.append(name or "")
        return real(self, source, name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def _project(root: Path, greeting: str) -> Path:
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "templates" / "hello.html.j2").write_text(f"{greeting}, {{{{ who }}}}!\n", encoding="utf-8")
    return root


def test_where_the_users_cache_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENVIRONMENT, str(tmp_path / "a"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "b"))
    assert user_cache_dir() == tmp_path / "a" / "user"
    monkeypatch.delenv(ENVIRONMENT)
    assert user_cache_dir() == tmp_path / "b" / "anthology"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG specification says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "anthology"


def test_templates_are_compiled_once_and_an_edit_is_compiled_again(
        tmp_path: Path, user_cache: Path, compiled: list[str]) -> None:
    root = _project(tmp_path / "book", "Hello")
    assert render(make_environment(root), root, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"]
    stored = sorted(user_cache.iterdir())
    assert len(stored) == 1
    assert (user_cache.stat().st_mode & 0o777) == 0o700
    assert not (root / ".anthology-cache").exists() and sorted(p.name for p in root.iterdir()) == ["templates"]

    assert render(make_environment(root), root, "hello.html.j2", who="Bob") == "Hello, Bob!\n"
    assert compiled == ["hello.html.j2"]  # read back, not compiled

    _project(root, "Goodbye")  # the same file, edited
    assert render(make_environment(root), root, "hello.html.j2", who="Bob") == "Goodbye, Bob!\n"
    assert compiled == ["hello.html.j2"] * 2
    assert render(make_environment(root), root, "hello.html.j2", who="Cy") == "Goodbye, Cy!\n"
    assert compiled == ["hello.html.j2"] * 2

    other = _project(tmp_path / "other", "Hello")  # the same name in another project: its own entry
    assert render(make_environment(other), other, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"] * 3


@pytest.mark.parametrize("content", [b"", b"garbage", b"j2\x80\x02K\x05", b"j2" + os.urandom(300)])
def test_a_damaged_entry_is_compiled_again(tmp_path: Path, user_cache: Path, compiled: list[str],
                                           content: bytes) -> None:
    root = _project(tmp_path / "book", "Hello")
    render(make_environment(root), root, "hello.html.j2", who="Ann")
    (entry,) = user_cache.iterdir()
    entry.write_bytes(content)
    assert render(make_environment(root), root, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"] * 2
    assert render(make_environment(root), root, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"] * 2  # written again, whole


def test_a_folder_that_is_not_the_users_own_is_not_used(tmp_path: Path, user_cache: Path, compiled: list[str]) -> None:
    root = _project(tmp_path / "book", "Hello")
    user_cache.mkdir(parents=True)
    user_cache.chmod(0o777)  # others may write to it
    for _ in range(2):
        assert render(make_environment(root), root, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"] * 2
    assert list(user_cache.iterdir()) == []


def test_a_cache_that_cannot_be_made_only_means_compiling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          compiled: list[str]) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(ENVIRONMENT, str(blocked))
    root = _project(tmp_path / "book", "Hello")
    assert make_environment(root).bytecode_cache is None
    for _ in range(2):
        assert render(make_environment(root), root, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"] * 2


def test_an_entry_that_cannot_be_written_only_means_compiling(tmp_path: Path, user_cache: Path,
                                                              compiled: list[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path / "book", "Hello")
    env = make_environment(root)
    assert isinstance(env.bytecode_cache, html._TemplateCache)
    env.bytecode_cache.directory = str(tmp_path / "gone")  # removed while the build ran
    assert render(env, root, "hello.html.j2", who="Ann") == "Hello, Ann!\n"
    assert compiled == ["hello.html.j2"]
