"""The initiative's photo: checked by content, cleaned, resized, stored in the database.

Whatever arrives (a phone photo with GPS coordinates in its EXIF, a PNG with transparency, a file
renamed ".jpg"…), what is stored is always a fresh JPEG of at most 1200×1200 pixels, with no
metadata at all: Pillow decodes the pixels and we re-encode only the pixels.

Like the services, these functions flush; the caller commits.
"""

import io

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from app.extensions import db
from app.initiatives.models import Initiative, InitiativePhoto
from app.timeutil import utcnow

#: Largest upload accepted, in bytes (we read at most one byte more).
MAX_BYTES = 5 * 1024 * 1024
#: Largest image accepted, in pixels (a 40-megapixel photo; beyond, it is a decompression bomb).
MAX_PIXELS = 40_000_000
#: The stored photo fits in this box (ratio kept).
MAX_SIDE = 1200
JPEG_QUALITY = 82
ALT_MAX = 200
#: Formats Pillow recognises by content. Phones often write JPEGs Pillow reports as "MPO".
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}


class PhotoError(Exception):
    """The file cannot be used as the initiative's photo; the message is shown to the person."""


def _not_a_photo() -> PhotoError:
    return PhotoError(_("Ce fichier n'est pas une photo JPEG, PNG ou WebP."))


def _read_limited(file_storage) -> bytes:
    """At most MAX_BYTES + 1 bytes of the upload (a werkzeug FileStorage or any binary file)."""
    if file_storage is None:
        raise PhotoError(_("Choisissez une photo."))
    stream = getattr(file_storage, "stream", file_storage)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise PhotoError(_("La photo dépasse 5 Mo."))
    if not data:
        raise PhotoError(_("Le fichier envoyé est vide."))
    return data


def _open(data: bytes) -> Image.Image:
    """Open the bytes as an image of an accepted format, refusing decompression bombs.

    Pillow only reads the header here: the pixel count is checked before any pixel is decoded.
    """
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoError(_("Cette image est trop grande (plus de 40 millions de pixels).")) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise _not_a_photo() from error
    if image.format not in ACCEPTED_FORMATS:
        raise _not_a_photo()
    width, height = image.size
    if width <= 0 or height <= 0:
        raise _not_a_photo()
    if width * height > MAX_PIXELS:
        raise PhotoError(_("Cette image est trop grande (plus de 40 millions de pixels)."))
    return image


def _decode(data: bytes) -> Image.Image:
    """Check the file is an intact image of an accepted type, then decode its pixels."""
    image = _open(data)
    try:
        image.verify()  # structure and checksums, without decoding; the object is unusable after
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        raise _not_a_photo() from error
    image = _open(data)  # reopen: verify() leaves the image unusable
    try:
        # Decode large JPEGs at a reduced scale straight away (less memory, faster).
        image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
        image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise PhotoError(_("Cette image est trop grande (plus de 40 millions de pixels).")) from error
    except (OSError, ValueError, SyntaxError, EOFError, TypeError, KeyError, ZeroDivisionError) as error:
        raise _not_a_photo() from error
    return image


def _clean_rgb(image: Image.Image) -> Image.Image:
    """The pixels only, in RGB on a white background: a brand-new image carries no metadata."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        clean = Image.new("RGB", rgba.size, (255, 255, 255))
        clean.paste(rgba, mask=rgba.getchannel("A"))
        return clean
    rgb = image.convert("RGB")
    clean = Image.new("RGB", rgb.size, (255, 255, 255))
    clean.paste(rgb)
    return clean


def _encode(data: bytes) -> tuple[bytes, int, int]:
    image = _decode(data)
    try:
        clean = _clean_rgb(image)
        clean.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        # No exif=, icc_profile= or comment=: the JPEG holds pixels and nothing else.
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    except (OSError, ValueError) as error:
        raise _not_a_photo() from error
    return out.getvalue(), clean.width, clean.height


def clean_alt(alt: str | None, initiative: Initiative) -> str:
    """The text alternative: what the person wrote (trimmed), else the initiative's title."""
    text = " ".join((alt or "").replace("\x00", "").split())[:ALT_MAX].strip()
    return text or (initiative.title or "")[:ALT_MAX]


def save_photo(initiative: Initiative, file_storage, alt: str | None = None) -> InitiativePhoto:
    """Check, clean and store the uploaded photo as the initiative's (it replaces any previous one).

    Raises PhotoError (French message for the form) for a file too big, not a JPEG/PNG/WebP
    whatever its name or declared type says, damaged, or with too many pixels.
    """
    data = _read_limited(file_storage)
    jpeg, width, height = _encode(data)
    photo = initiative.photo
    if photo is None:
        photo = InitiativePhoto()
        initiative.photo = photo
    photo.data = jpeg
    photo.content_type = "image/jpeg"
    photo.width, photo.height = width, height
    photo.alt = clean_alt(alt, initiative)
    photo.created_at = utcnow()
    db.session.flush()
    return photo


def update_alt(initiative: Initiative, alt: str | None) -> None:
    """Change the text alternative of the existing photo."""
    if initiative.photo is not None:
        initiative.photo.alt = clean_alt(alt, initiative)
        db.session.flush()


def delete_photo(initiative: Initiative) -> bool:
    """Remove the initiative's photo. True if there was one."""
    photo = initiative.photo
    if photo is None:
        return False
    initiative.photo = None  # delete-orphan cascade removes the row
    db.session.flush()
    return True
