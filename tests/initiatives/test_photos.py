"""The initiative photo: checked by content, cleaned of metadata, resized, served safely."""

import io
import struct
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage

from app.centres.models import Role
from app.extensions import db
from app.initiatives.models import InitiativePhoto, Status
from app.initiatives.photos import MAX_BYTES, PhotoError, delete_photo, save_photo
from tests.initiatives.factories import make_initiative

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg_with_gps(size=(2400, 1600), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    if orientation:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (45.0, 46.0, 12.5), 3: "E", 4: (4.0, 52.0, 48.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90, comment=b"taken at 12 rue Branly")
    return out.getvalue()


def _png_with_alpha(size=(300, 200)) -> bytes:
    image = Image.new("RGBA", size, (0, 128, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, 100, 100))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _upload(data: bytes, filename="photo.jpg", content_type="image/jpeg") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (a decompression bomb needs nothing more)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


@pytest.fixture
def initiative(structure, make_user):
    author = make_user()
    staff = make_user(role=Role.STAFF)
    return make_initiative(structure, author, staff, title="Jardin partagé")


def test_jpeg_with_gps_is_stored_clean_and_resized(initiative):
    photo = save_photo(initiative, _upload(_jpeg_with_gps()), "  Des bacs potagers  ")
    db.session.commit()
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG"
    assert photo.content_type == "image/jpeg"
    assert max(stored.size) <= 1200
    assert stored.size == (1200, 800) == (photo.width, photo.height)
    assert len(stored.getexif()) == 0
    assert "exif" not in stored.info and "comment" not in stored.info and "icc_profile" not in stored.info
    assert b"Exif" not in photo.data and b"PhoneMaker" not in photo.data and b"Branly" not in photo.data
    assert photo.alt == "Des bacs potagers"


def test_exif_orientation_is_applied_before_dropping_it(initiative):
    # Orientation 6: the camera held upright wrote a landscape image to be turned 90°.
    photo = save_photo(initiative, _upload(_jpeg_with_gps(size=(1600, 800), orientation=6)), "")
    assert (photo.width, photo.height) == (600, 1200)
    assert len(Image.open(io.BytesIO(photo.data)).getexif()) == 0


def test_png_with_alpha_becomes_jpeg_on_white(initiative):
    photo = save_photo(initiative, _upload(_png_with_alpha(), "dessin.png", "image/png"), None)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and stored.mode == "RGB" and stored.size == (300, 200)
    r, g, b = stored.getpixel((250, 150))  # was fully transparent: now white
    assert min(r, g, b) > 240
    r, g, b = stored.getpixel((50, 50))  # opaque red stays red
    assert r > 200 and g < 60 and b < 60
    assert photo.alt == "Jardin partagé"  # default text alternative: the title


def test_webp_is_accepted(initiative):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, "WEBP")
    photo = save_photo(initiative, _upload(out.getvalue(), "x.webp", "image/webp"))
    assert Image.open(io.BytesIO(photo.data)).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"Bonjour, ceci est un fichier texte.\n" * 20,
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"GIF89a" + b"\x00" * 100,
        b"\xff\xd8\xff\xe0" + b"\x00" * 200,  # a JPEG signature followed by garbage
    ],
)
def test_non_images_renamed_jpg_are_refused(initiative, data):
    with pytest.raises(PhotoError, match="n'est pas une photo JPEG, PNG ou WebP"):
        save_photo(initiative, _upload(data, "vacances.jpg", "image/jpeg"))
    assert initiative.photo is None


def test_gif_is_refused_even_if_real(initiative):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(PhotoError):
        save_photo(initiative, _upload(out.getvalue(), "x.png", "image/png"))


def test_truncated_jpeg_is_refused(initiative):
    data = _jpeg_with_gps(size=(400, 300))
    with pytest.raises(PhotoError):
        save_photo(initiative, _upload(data[: len(data) // 2]))


def test_file_over_5_mb_is_refused_without_reading_it_all(initiative):
    data = b"\xff\xd8\xff\xe0" + b"\x00" * (6 * 1024 * 1024)
    stream = io.BytesIO(data)
    with pytest.raises(PhotoError, match="dépasse 5 Mo"):
        save_photo(initiative, FileStorage(stream=stream, filename="grosse.jpg"))
    assert stream.tell() == MAX_BYTES + 1


def test_empty_file_is_refused(initiative):
    with pytest.raises(PhotoError):
        save_photo(initiative, _upload(b""))


@pytest.mark.parametrize("size", [(30_000, 30_000), (10_000, 5_000)])
def test_decompression_bomb_is_refused(initiative, size):
    with pytest.raises(PhotoError, match="trop grande"):
        save_photo(initiative, _upload(_png_header_only(*size), "bombe.png", "image/png"))


def test_real_small_file_with_too_many_pixels_is_refused(initiative):
    out = io.BytesIO()
    Image.new("1", (9_000, 5_000)).save(out, "PNG")  # 45 Mpx, a few kilobytes
    assert len(out.getvalue()) < 200_000
    with pytest.raises(PhotoError, match="trop grande"):
        save_photo(initiative, _upload(out.getvalue(), "plan.png", "image/png"))


def test_new_photo_replaces_the_old_one_and_delete_removes_it(initiative):
    save_photo(initiative, _upload(_jpeg_with_gps(size=(300, 300))), "Avant")
    save_photo(initiative, _upload(_png_with_alpha()), "Après")
    db.session.commit()
    assert db.session.query(InitiativePhoto).count() == 1
    assert initiative.photo.alt == "Après"
    assert delete_photo(initiative) is True
    db.session.commit()
    assert db.session.query(InitiativePhoto).count() == 0
    assert delete_photo(initiative) is False


def test_alt_is_trimmed_to_200_characters(initiative):
    photo = save_photo(initiative, _upload(_png_with_alpha()), "a" * 500)
    assert len(photo.alt) == 200


# --- serving -----------------------------------------------------------------------------------


def test_public_photo_is_served_with_safe_headers(client, initiative):
    save_photo(initiative, _upload(_jpeg_with_gps(size=(300, 200))))
    db.session.commit()
    response = client.get(f"/initiatives/{initiative.id}/photo")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["Content-Disposition"] == "inline"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    etag = response.headers["ETag"]
    assert etag
    assert response.data == initiative.photo.data
    again = client.get(f"/initiatives/{initiative.id}/photo", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_no_photo_gives_404(client, initiative):
    assert client.get(f"/initiatives/{initiative.id}/photo").status_code == 404
    assert client.get("/initiatives/999999/photo").status_code == 404


def test_private_initiative_photo_is_hidden_from_others(client, auth, structure, make_user):
    author = make_user()
    other = make_user()
    draft = make_initiative(structure, author, status=Status.DRAFT)
    save_photo(draft, _upload(_png_with_alpha()))
    db.session.commit()
    url = f"/initiatives/{draft.id}/photo"
    assert client.get(url).status_code == 404  # anonymous
    auth.login(other)
    assert client.get(url).status_code == 404
    auth.logout()
    auth.login(author)
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_hidden_initiative_photo_is_hidden(client, initiative, structure, make_user):
    from app.initiatives.services import hide_initiative

    save_photo(initiative, _upload(_png_with_alpha()))
    hide_initiative(initiative, "Photo d'un enfant reconnaissable.", by=make_user(role=Role.STAFF))
    db.session.commit()
    assert client.get(f"/initiatives/{initiative.id}/photo").status_code == 404
