"""The Jinja environment shared by PDF and EPUB: the project's templates/ over the theme.

Autoescape is on for .html, .xhtml and .j2 templates; undefined variables are errors.
Template problems become located diagnostics (``templates/NAME:LINE``), never tracebacks.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from ..errors import AnthologyError, Diagnostics

THEME_DIR = Path(__file__).resolve().parent.parent / "theme"
USER_TEMPLATES = "templates"


def make_environment(root: Path) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    user = root / USER_TEMPLATES
    if user.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(user), followlinks=False))
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
        raise AnthologyError.single(
            f"{USER_TEMPLATES}/{exc.name}", 0, 0, "template-missing", f"template {exc.name} not found"
        ) from None
    except (jinja2.UndefinedError, TypeError, AttributeError) as exc:
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
    """A theme stylesheet's text (the user's templates/ may override it), not templated."""
    loader = env.loader
    assert loader is not None
    source, _, _ = loader.get_source(env, name)
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
