"""Images named in the PDF after what they are, not where the project lies.

WeasyPrint names each raster image it embeds after the MD5 of its URL (``i<md5>0``, its
XObject's name in the page's resources; images.py, ``get_image_from_uri``), and the URL of a
project's image holds the project's folder: ``file:///home/ann/book/assets/map.png``. The same
project built in two folders (a laptop and CI, two clones) gave two PDFs that differed in
those names, the order of the resources and every offset after them, against the promise that
the same input gives the same bytes.

:func:`install` has WeasyPrint name an image after the SHA-256 of its bytes and of how it is
drawn (its ``image-orientation``), which is what the name stands for: WeasyPrint embeds one
XObject per name and document, and keys the image's compressed data by it. Two URLs with the
same bytes now share one XObject in a document; both were drawn the same anyway. Should
WeasyPrint's image class change its arguments, nothing is changed.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
from typing import Any

_ARGUMENTS = ("self", "pillow_image", "image_id", "image_data", "filename", "cache", "orientation", "options")


def image_name(image_data: bytes | None, orientation: object, url_name: str) -> str:
    """The name of an image drawn with ``orientation`` from ``image_data`` (WeasyPrint's own,
    ``url_name``, for an image without bytes)."""
    if not isinstance(image_data, (bytes, bytearray, memoryview)):
        return url_name
    digest = hashlib.sha256(repr(orientation).encode())
    digest.update(b"\0")
    digest.update(image_data)
    return digest.hexdigest()[:32]


def install() -> bool:
    """WeasyPrint's raster images named by :func:`image_name`, if WeasyPrint is imported and its
    image class takes the arguments it took (True when they are named so)."""
    module = sys.modules.get("weasyprint.images")
    original = getattr(module, "RasterImage", None)
    if not isinstance(original, type):
        return False
    if getattr(original, "_anthology_named", False):
        return True
    try:
        parameters = tuple(inspect.signature(original.__init__).parameters)
    except (TypeError, ValueError):
        return False
    if parameters != _ARGUMENTS:
        return False

    class RasterImage(original):  # type: ignore[misc, valid-type]
        _anthology_named = True
        __doc__ = original.__doc__

        def __init__(self, pillow_image: Any, image_id: str, image_data: Any, *args: Any, **kwargs: Any) -> None:
            orientation = kwargs.get("orientation", args[2] if len(args) > 2 else "none")
            super().__init__(pillow_image, image_name(image_data, orientation, image_id), image_data, *args, **kwargs)

    RasterImage.__qualname__ = RasterImage.__name__ = original.__name__
    RasterImage.__module__ = original.__module__
    module.RasterImage = RasterImage  # the name get_image_from_uri calls
    return True
