"""Images named after their bytes (render/images.py): the same project in two folders gives
the same PDF, and WeasyPrint's own drawing of images is unchanged."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from support import copy_project

from anthology import Diagnostics, load_book
from anthology.render import engine, images
from anthology.render.build import build as render_book

engine.load()  # installs the naming
import weasyprint.images  # noqa: E402


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (6, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _image_names(pdf: bytes) -> list[list[str]]:
    """The image XObjects' names on each page."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return [sorted(name for name, x in page.obj.get("/Resources", {}).get("/XObject", {}).items()
                       if x.get("/Subtype") == "/Image") for page in doc.pages]


def test_load_names_weasyprints_images() -> None:
    assert getattr(weasyprint.images.RasterImage, "_anthology_named", False)
    assert images.install() is True  # again: left as it is


def test_the_name_is_the_bytes_and_the_orientation() -> None:
    png, other = _png((200, 10, 10)), _png((10, 200, 10))
    assert images.image_name(png, "none", "url-a") == images.image_name(png, "none", "url-b")
    assert len({images.image_name(png, "none", "u"), images.image_name(other, "none", "u"),
                images.image_name(png, "from-image", "u"), images.image_name(png, (90, False), "u")}) == 4
    assert images.image_name(None, "none", "weasyprints-own") == "weasyprints-own"


def _render(folder: Path, body: str) -> bytes:
    return engine.HTML(string=f"<!DOCTYPE html><html><body>{body}</body></html>",
                       base_url=folder.as_uri() + "/").write_pdf()


def test_an_image_has_the_same_name_in_any_folder(tmp_path: Path) -> None:
    png = _png((30, 60, 90))
    names = []
    for folder in (tmp_path / "one", tmp_path / "a" / "much" / "longer" / "folder"):
        folder.mkdir(parents=True)
        (folder / "still.png").write_bytes(png)
        pdf = _render(folder, '<img src="still.png">')
        names.append(_image_names(pdf))
    assert names[0] == names[1] and len(names[0][0]) == 1


def test_the_same_bytes_share_one_xobject_and_a_turned_image_has_its_own(tmp_path: Path) -> None:
    png = _png((30, 60, 90))
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(png)
    (tmp_path / "c.png").write_bytes(_png((90, 60, 30)))
    shared = _render(tmp_path, '<img src="a.png"><img src="b.png"><img src="c.png">')
    assert [len(page) for page in _image_names(shared)] == [2]
    turned = _render(tmp_path, '<img src="a.png"><img src="b.png" style="image-orientation: 90deg">')
    assert [len(page) for page in _image_names(turned)] == [2]


def _drawing(pdf: bytes, name: str) -> tuple[list[bytes], list[tuple[str, bytes]]]:
    """Each page's drawing with the image's name as ``IMAGE``, and the images' dictionaries and data."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = [page.obj.Contents.read_bytes().replace(name.encode(), b"/IMAGE") for page in doc.pages]
        xobjects = [(repr({k: v for k, v in x.items() if k != "/Length"}), x.read_raw_bytes())
                    for page in doc.pages for x in page.obj.Resources.XObject.values()]
    return pages, xobjects


def test_the_drawing_is_weasyprints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With WeasyPrint's own names put back, the pages are drawn the same: only the names differ."""
    (tmp_path / "still.png").write_bytes(_png((30, 60, 90), (40, 30)))
    body = '<p>Before</p><img src="still.png" style="width: 4cm"><p>After</p>'
    ours = _render(tmp_path, body)
    monkeypatch.setattr(weasyprint.images, "RasterImage", weasyprint.images.RasterImage.__mro__[1])
    theirs = _render(tmp_path, body)
    [[our_name]], [[their_name]] = _image_names(ours), _image_names(theirs)
    assert our_name != their_name
    assert _drawing(ours, our_name) == _drawing(theirs, their_name)


def test_install_changes_nothing_it_does_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    class Other:
        def __init__(self, pillow_image: object, image_id: str) -> None: ...

    monkeypatch.setattr(weasyprint.images, "RasterImage", Other)
    assert images.install() is False
    assert weasyprint.images.RasterImage is Other


def test_the_same_project_in_two_folders_gives_the_same_pdf(tmp_path: Path, repo_root: Path) -> None:
    pdfs = []
    for folder in (tmp_path / "one" / "book", tmp_path / "two" / "a longer name" / "the-book"):
        root = copy_project(repo_root, folder)
        book, diags = load_book(root, Diagnostics())
        assert book is not None
        result = render_book(book, tmp_path / f"out-{len(pdfs)}", diags, use_cache=False)
        pdfs.append(result.outputs["pdf"].read_bytes())
    assert any(_image_names(pdfs[0]))  # the sample has an image (assets/)
    assert pdfs[0] == pdfs[1]
