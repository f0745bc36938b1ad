"""The Jinja environment shared by PDF and EPUB: the project's templates/ over the theme.

Autoescape is on for .html, .xhtml and .j2 templates; undefined variables are errors.
Template problems become located diagnostics (``templates/NAME:LINE``), never tracebacks.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from ..errors import AnthologyError, Diagnostics
from ..load.templates import without_refused
from .cachedir import user_cache_dir

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
USER_TEMPLATES = "templates"


class _ConfinedLoader(jinja2.FileSystemLoader):
    """The project's templates/: a template that is a link to a file elsewhere is refused."""

    def __init__(self, folder: Path, root: Path) -> None:
        super().__init__(str(folder), followlinks=False)
        self.folder = folder
        self.root = root.resolve()

    def get_source(self, environment: jinja2.Environment, template: str):  # type: ignore[override]
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if self.root not in real.parents:
            raise AnthologyError.single(f"{USER_TEMPLATES}/{template}", 0, 0, "path-outside",
                                        "this template is a link to a file outside the project: copy the file "
                                        "into templates/ instead")
        return source, filename, uptodate


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Jinja's cache of compiled templates (compiling the theme's twelve took 29 ms, some 6 % of
    an EPUB-only build of 200 reviews). Compiled templates are Python code: they
    are kept in the user's own cache folder (render/cachedir.py), never in a project's, which
    may come from anyone. Each is named by the template's name and file and checked against
    its source's SHA-1, Jinja's bytecode version and Python's (Jinja's own checks): an edited
    template is compiled again. A folder that cannot be read or written only means compiling again."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged file (Jinja checks what it reads, but not every way it can break)
            bucket.reset()


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """The cache of compiled templates, or None when the user has no cache folder of their own."""
    folder = user_cache_dir()
    if folder is None:
        return None
    folder = folder / f"templates-jinja{jinja2.__version__}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None  # not a folder of the user's own, or one others may write to
    return _TemplateCache(str(folder))


def make_environment(root: Path) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    user = root / USER_TEMPLATES
    if user.is_dir():
        loaders.append(_ConfinedLoader(user, root))
    loaders.append(jinja2.FileSystemLoader(str(THEME_DIR / "templates")))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "xhtml", "j2"), default_for_string=True, default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    return env


def _origin(env: jinja2.Environment, name: str, root: Path) -> str:
    """'templates/NAME' when the user's folder provides it, else 'theme/NAME'."""
    user = root / USER_TEMPLATES / name
    return f"{USER_TEMPLATES}/{name}" if user.is_file() else f"theme/{name}"


def render(env: jinja2.Environment, root: Path, name: str, **context: Any) -> str:
    """Render one template; syntax errors and undefined variables become located errors."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        template = exc.name or name
        raise AnthologyError.single(
            _origin(env, template, root), exc.lineno or 0, 0, "template-syntax",
            f"template syntax error: {exc.message}",
        ) from None
    except jinja2.TemplateNotFound as exc:
        template, line = _template_frame(name)
        raise AnthologyError.single(
            _origin(env, template, root), line, 0, "template-missing",
            f"template {exc.name} not found (neither in templates/ nor in the theme)",
        ) from None
    except AnthologyError:
        raise
    except UnicodeDecodeError:
        raise AnthologyError.single(_origin(env, name, root), 0, 0, "encoding",
                                    "a template is not valid UTF-8: save it as UTF-8") from None
    except RecursionError:
        template, line = _template_frame(name)
        raise AnthologyError.single(_origin(env, template, root), line, 0, "template-error",
                                    "template error: it includes or extends itself") from None
    except Exception as exc:  # a user's template can raise anything; it is their input, not our bug
        template, line = _template_frame(name)
        raise AnthologyError.single(
            _origin(env, template, root), line, 0, "template-error",
            f"template error: {exc} (see the theme's templates for the variables each receives)",
        ) from None


def _template_frame(default: str) -> tuple[str, int]:
    """The innermost template file and line in the current exception's traceback."""
    found = (default, 0)
    for frame in traceback.extract_tb(sys.exc_info()[2]):
        if frame.filename.endswith(".j2"):
            found = (Path(frame.filename).name, frame.lineno or 0)
    return found


def stylesheet(env: jinja2.Environment, name: str) -> str:
    """A theme stylesheet's text (the user's templates/ may override it), not templated.

    A user's stylesheet reaches the renderer without its references to anything outside the
    project: the loader has already warned about each at ``templates/NAME:LINE:COL``.
    """
    loader = env.loader
    assert loader is not None
    source, filename, _ = loader.get_source(env, name)
    for sub in getattr(loader, "loaders", [loader]):
        if isinstance(sub, _ConfinedLoader) and filename and Path(filename).is_relative_to(sub.folder):
            return without_refused(source, sub.root)
    return source


Href = Callable[[str], str]


def check_templates(root: Path, diags: Diagnostics) -> None:
    """Compile every template (theme and overrides) without rendering; report syntax errors."""
    env = make_environment(root)
    for name in env.list_templates(filter_func=lambda n: n.endswith(".j2")):
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            diags.error(_origin(env, exc.name or name, root), exc.lineno or 0, 0, "template-syntax",
                        f"template syntax error: {exc.message}")
