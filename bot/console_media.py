"""Files a console chat attaches (`/photo PATH`, `/file PATH`, `/voice PATH`): a chat app
keeps the file and hands over a reference; the console chat has no such store, so the file is
copied under the media directory, where the web console opens it as it opens a WhatsApp copy.
A reference that names no file stays as typed (the console channel's references may be
anything), and the web console says the helpdesk has no copy of it."""

from __future__ import annotations

import logging
import mimetypes
import shutil
import uuid
from dataclasses import replace
from pathlib import Path

from flows.messages import Attachment, Inbound

log = logging.getLogger(__name__)
FOLDER = "console"  # under MEDIA_DIR
MAX_BYTES = 25 * 1024 * 1024  # as much as the web console fetches from a chat service


def kept_path(media_dir: Path, ref: str) -> Path | None:
    """The copy a console reference names, if the helpdesk holds one (only a bare file name
    of the folder: a reference is reporter-typed text, never a path to follow)."""
    if not ref or Path(ref).name != ref or ref.startswith("."):
        return None
    path = media_dir / FOLDER / ref
    return path if path.is_file() else None


def keep_files(inbound: Inbound, media_dir: Path) -> Inbound:
    """The message with each attached file copied in and referred to by its copy's name."""
    if not inbound.attachments:
        return inbound
    return replace(
        inbound, attachments=tuple(_keep(item, media_dir) for item in inbound.attachments)
    )


def _keep(item: Attachment, media_dir: Path) -> Attachment:
    source = Path(item.ref).expanduser()
    try:
        if not source.is_file() or source.stat().st_size > MAX_BYTES:
            return item
        folder = media_dir / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{uuid.uuid4().hex}{source.suffix.lower()}"
        shutil.copyfile(source, folder / name)
    except OSError as error:
        log.warning("attachment not kept", extra={"error": repr(error)})
        return item
    content_type = item.content_type or mimetypes.guess_type(source.name)[0] or ""
    return replace(item, ref=name, content_type=content_type, filename=source.name)
