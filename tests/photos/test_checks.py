"""The image checks as classifiers: metadata, faces, consent links, text in the picture."""

from __future__ import annotations

import pytest
from PIL import Image

from classifiers.base import ClassifierInput
from classifiers.images import (
    ImageConsentClassifier,
    ImageFacesClassifier,
    ImageMetadataClassifier,
    ImageTextClassifier,
    StaticConsentIndex,
)
from classifiers.images.faces import detect_faces, detector_name
from classifiers.images.pdq import compute
from monitor.types import AuthorRole, Category, ItemKind, Severity
from tests.photos import images
from tests.photos.conftest import make_runtime


def post(*urls: str, org: bool = True, text: str = "Fun at the club today!") -> ClassifierInput:
    return ClassifierInput(id="1", text=text, platform="facebook", location="oakfield",
                           author_role=AuthorRole.ORGANISATION if org else AuthorRole.PUBLIC,
                           kind=ItemKind.POST if org else ItemKind.COMMENT,
                           media=tuple({"url": u, "type": "image"} for u in urls))


@pytest.fixture(scope="module")
def served(media_server):  # type: ignore[no-untyped-def]
    """Every test picture, served over loopback HTTP."""
    s = media_server
    a = images.astronaut()
    w, h = a.size
    return {
        "gps": s.add("/gps.jpg", images.jpeg(images.plain_scene(5), exif=images.gps_exif())),
        "owner": s.add("/owner.jpg", images.jpeg(images.plain_scene(6),
                                                 exif=images.gps_exif(artist="Sarah Jones", owner="Sarah Jones"))),
        "plain": s.add("/plain.jpg", images.jpeg(images.plain_scene(7))),
        "face": s.add("/astronaut.jpg", images.jpeg(a)),
        "face_small": s.add("/astronaut-small.jpg", images.jpeg(a.resize((w // 2, h // 2)), quality=60)),
        "face_crop": s.add("/astronaut-crop.png", images.png(a.crop((w // 10, 0, w, h)))),
        "face_square": s.add("/astronaut-4x5.jpg", images.jpeg(a.crop((w // 10, 0, w - w // 10, h)))),
        "group": s.add("/group.jpg", images.jpeg(images.group_photo())),
        "cert": s.add("/certificate.jpg", images.jpeg(images.certificate())),
        "bomb": s.add("/bomb.png", images.bomb_png(), content_type="image/png"),
        "truncated": s.add("/truncated.jpg", images.truncated_jpeg()),
        "polyglot": s.add("/polyglot.jpg", images.polyglot_html_jpeg()),
        "missing": s.url + "/nothing-here.jpg",
    }


def test_gps_in_an_official_photo_is_child_identification(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """The file says where it was taken: a field span, coordinates rounded to ~1 km."""
    [d] = ImageMetadataClassifier(runtime=make_runtime(media_server)).classify(post(served["gps"]))
    assert d.category == Category.CHILD_IDENTIFICATION and d.severity == Severity.HIGH
    gps = next(sp for sp in d.spans if sp.detail["field"] == "GPSInfo")  # type: ignore[index]
    assert gps.type == "field" and gps.detail == {"media": served["gps"], "index": 0,
                                                  "field": "GPSInfo", "lat": 51.5, "lon": -0.13}


def test_gps_in_a_public_comment_photo_is_personal_data(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """A parent's photo with GPS reveals where they were: personal data, medium."""
    [d] = ImageMetadataClassifier(runtime=make_runtime(media_server)).classify(post(served["gps"], org=False))
    assert d.category == Category.PERSONAL_DATA and d.label == "exif_gps"


def test_a_camera_owner_name_in_an_official_photo_is_personal_data(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """Artist / CameraOwnerName name a member of staff in a published file."""
    dets = ImageMetadataClassifier(runtime=make_runtime(media_server)).classify(post(served["owner"]))
    owner = next(d for d in dets if d.label == "exif_owner")
    assert {sp.detail["field"] for sp in owner.spans} >= {"Artist", "CameraOwnerName"}  # type: ignore[index]


def test_a_picture_without_metadata_faces_or_text_raises_nothing(media_server, served, context) -> None:  # type: ignore[no-untyped-def]
    """The common case: a photo of the garden."""
    rt = make_runtime(media_server)
    for clf in (ImageMetadataClassifier(context, rt), ImageFacesClassifier(context, rt),
                ImageConsentClassifier(context, rt), ImageTextClassifier(context, rt)):
        assert clf.classify(post(served["plain"])) == [], clf.name


def test_the_face_detector_finds_the_sample_faces() -> None:
    """One face in the astronaut photo, four in the group, none in a scene or a certificate."""
    assert detector_name() == "blazeface"
    [face] = detect_faces(images.astronaut())
    assert 150 <= face.x <= 200 and 50 <= face.y <= 100 and 80 <= face.w <= 130
    assert len(detect_faces(images.group_photo())) == 4
    assert detect_faces(images.plain_scene(8)) == [] and detect_faces(images.certificate()) == []


def test_the_media_workers_can_load_the_face_detector_together() -> None:
    """The daemon's media workers start at once; each finds the face (the detector is
    loaded once, under a lock: OpenCV's TFLite importer failed when two threads raced)."""
    import threading

    from classifiers.images import faces as faces_module

    faces_module._load_blaze.cache_clear()
    start, found, errors = threading.Barrier(4), [], []

    def worker() -> None:
        start.wait()
        try:
            found.append(len(detect_faces(images.astronaut())))
        except Exception as err:  # noqa: BLE001 - the assertion below reports it
            errors.append(repr(err))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and found == [1, 1, 1, 1]


def test_faces_in_an_official_post_without_consent_are_flagged_with_regions(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """No consent record for this picture: child_identification, one region per face."""
    [d] = ImageFacesClassifier(runtime=make_runtime(media_server)).classify(post(served["group"]))
    assert d.category == Category.CHILD_IDENTIFICATION and d.label == "faces_without_consent"
    assert d.extra["faces"] == 4 and all(sp.type == "region" and len(sp.detail["pdq"]) == 64  # type: ignore[index]
                                         for sp in d.spans)


def test_faces_in_a_public_comment_are_not_the_settings_publication(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """A parent's own photo in a comment is not an official publication."""
    assert ImageFacesClassifier(runtime=make_runtime(media_server)).classify(post(served["face"], org=False)) == []


def test_pdq_survives_resize_and_reencode_but_separates_pictures() -> None:
    """The documented threshold (31 bits) holds for a resize and a JPEG re-encode."""
    import io

    from classifiers.images.pdq import MATCH_THRESHOLD, distance

    a = images.astronaut()
    w, h = a.size
    base = compute(a).hex
    reencoded = compute(Image.open(io.BytesIO(images.jpeg(a, quality=60)))).hex
    for variant in (compute(a.resize((w // 3, h // 3))).hex, reencoded):
        assert distance(base, variant) <= MATCH_THRESHOLD
    for other in (images.plain_scene(9), images.certificate(), images.group_photo()):
        assert distance(base, compute(other).hex) > 2 * MATCH_THRESHOLD


def test_the_usual_recrops_match_a_variant_hash() -> None:
    """A 10 % side crop, a 4:5 re-crop and a centre crop are within 31 bits of a variant."""
    from classifiers.images.pdq import MATCH_THRESHOLD, PdqIndex, variant_hashes

    a = images.astronaut()
    w, h = a.size
    index = PdqIndex([(v, None) for v in [compute(a).hex, *variant_hashes(a)]])
    for crop in ((w // 10, 0, w, h), (w // 10, 0, w - w // 10, h), (w // 20, h // 20, w - w // 20, h - h // 20)):
        assert index.search(compute(a.crop(crop)).hex, MATCH_THRESHOLD), crop
    assert not index.search(compute(images.plain_scene(3)).hex, MATCH_THRESHOLD)


def test_a_crop_or_resize_of_an_approved_photo_raises_nothing(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """The manager approved the original (with its variant hashes); re-posts carry the approval."""
    from classifiers.images.pdq import variant_hashes

    a = images.astronaut()
    consent = StaticConsentIndex(approved=[compute(a).hex, *variant_hashes(a)])
    clf = ImageFacesClassifier(runtime=make_runtime(media_server, consent))
    for key in ("face", "face_small", "face_crop", "face_square"):
        assert clf.classify(post(served[key])) == [], key
    assert clf.classify(post(served["group"])) != []  # a different picture is not approved


def test_a_photo_linked_to_a_child_without_consent_raises_at_once_anywhere(media_server, served) -> None:  # type: ignore[no-untyped-def]
    """Consent "no" is critical even in a public comment, even for a resized copy."""
    h = compute(images.astronaut()).hex
    consent = StaticConsentIndex(approved=[h], links=[(h, 7, "no")])
    clf = ImageConsentClassifier(runtime=make_runtime(media_server, consent))
    [d] = clf.classify(post(served["face_small"], org=False))
    assert d.severity == Severity.CRITICAL and d.extra["roster_child_ids"] == [7]
    internal = ImageConsentClassifier(runtime=make_runtime(
        media_server, StaticConsentIndex(links=[(h, 8, "internal_only"), (h, 9, "yes")])))
    [d2] = internal.classify(post(served["face"]))
    assert d2.severity == Severity.HIGH and d2.extra["roster_child_ids"] == [8]
    yes = ImageConsentClassifier(runtime=make_runtime(media_server, StaticConsentIndex(links=[(h, 9, "yes")])))
    assert yes.classify(post(served["face"])) == []


def test_a_name_on_a_certificate_is_found_with_its_region(media_server, served, context) -> None:  # type: ignore[no-untyped-def]
    """OCR → the text classifiers → child_identification; regions outline the words."""
    clf = ImageTextClassifier(context, make_runtime(media_server))
    dets = clf.classify(post(served["cert"]))
    ci = next(d for d in dets if d.category == Category.CHILD_IDENTIFICATION)
    assert ci.severity == Severity.HIGH
    by_type = {sp.detail["text_type"]: sp.detail for sp in ci.spans}  # type: ignore[index]
    assert by_type["child_name"]["text"] == "Amelia" and by_type["surname"]["text"] == "Hartley"
    assert by_type["school"]["text"] == "Oakfield Primary"
    name = by_type["child_name"]
    assert 340 <= name["y"] <= 400 and name["x"] > 400 and name["h"] < 120  # where it was drawn


@pytest.mark.parametrize("key", ["bomb", "truncated", "polyglot", "missing"])
def test_hostile_or_broken_files_give_no_finding_and_no_exception(media_server, served, context, key) -> None:  # type: ignore[no-untyped-def]
    """A bad file is logged and skipped; the batch goes on."""
    rt = make_runtime(media_server)
    items = [post(served[key]), post(served["gps"])]
    for clf in (ImageMetadataClassifier(context, rt), ImageFacesClassifier(context, rt),
                ImageTextClassifier(context, rt)):
        out = clf.classify_batch(items)
        assert out[0] == []
    assert ImageMetadataClassifier(context, rt).classify_batch(items)[1] != []
    assert rt.facts_for(items[0].media, "facebook")[0].error is not None


def test_each_picture_is_fetched_once_for_all_the_checks(media_server, served, context) -> None:  # type: ignore[no-untyped-def]
    """Four classifiers, one download."""
    rt = make_runtime(media_server)
    before = media_server.hits.count("/certificate.jpg")
    clfs = [c(context, rt) for c in (ImageMetadataClassifier, ImageFacesClassifier,
                                     ImageConsentClassifier, ImageTextClassifier)]
    for clf in clfs:
        clf.classify(post(served["cert"]))
    assert media_server.hits.count("/certificate.jpg") == before + 1


NON_FACE_SAMPLES = ("coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry",
                    "coins", "horse", "brick", "grass", "gravel", "colorwheel", "logo", "page",
                    "text", "moon", "clock")


def test_no_faces_are_found_in_scikit_images_other_samples() -> None:
    """False faces would flood managers: a cat, a rocket, coins, textures and text have none."""
    import numpy as np
    from skimage import data

    found = {}
    for name in NON_FACE_SAMPLES:
        a = getattr(data, name)()
        if a.dtype != np.uint8:
            a = (a * 255).astype(np.uint8) if a.max() <= 1 else a.astype(np.uint8)
        img = Image.fromarray(a[..., :3] if a.ndim == 3 else a)
        if faces := detect_faces(img):
            found[name] = faces
    assert found == {}
    [camera] = detect_faces(Image.fromarray(data.camera()))  # the cameraman, turned slightly
    assert 180 <= camera.x <= 230 and 100 <= camera.y <= 150


def test_a_platform_item_cannot_make_the_monitor_read_a_local_file(media_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Only check-post reads local files; a "path" in a platform's media entry is refused."""
    secret = tmp_path / "photo.jpg"
    secret.write_bytes(images.jpeg(images.plain_scene(1), exif=images.gps_exif()))
    rt = make_runtime(media_server)
    item = ClassifierInput(id="1", text="", author_role=AuthorRole.ORGANISATION, kind=ItemKind.POST,
                           media=({"path": str(secret), "type": "image"},))
    assert ImageMetadataClassifier(runtime=rt).classify(item) == []
    assert rt.facts_for(item.media, "facebook")[0].error == "refused"


def test_a_phone_photo_stored_sideways_is_read_the_way_it_is_shown(media_server, context) -> None:  # type: ignore[no-untyped-def]
    """EXIF orientation 6 (rotated 90°): OCR reads the certificate as displayed."""
    import piexif

    sideways = images.certificate().rotate(90, expand=True)  # stored rotated, shown upright
    exif = piexif.dump({"0th": {piexif.ImageIFD.Orientation: 6}})
    url = media_server.add("/sideways.jpg", images.jpeg(sideways, exif=exif))
    dets = ImageTextClassifier(context, make_runtime(media_server)).classify(post(url))
    ci = next(d for d in dets if d.category == Category.CHILD_IDENTIFICATION)
    assert any(sp.detail["text"] == "Amelia" for sp in ci.spans)  # type: ignore[index]


def test_unusual_modes_are_checked_too(media_server) -> None:  # type: ignore[no-untyped-def]
    """A CMYK JPEG keeps its GPS finding; a 16-bit greyscale PNG is hashed without error."""
    import io

    buf = io.BytesIO()
    images.plain_scene(13).convert("CMYK").save(buf, "JPEG", exif=images.gps_exif())
    cmyk = media_server.add("/cmyk.jpg", buf.getvalue())
    grey16 = media_server.add("/grey16.png", images.png(images.plain_scene(14).convert("I;16")))
    rt = make_runtime(media_server)
    assert ImageMetadataClassifier(runtime=rt).classify(post(cmyk))[0].label == "exif_gps"
    [facts] = rt.facts_for(post(grey16).media, "facebook")
    assert facts.error is None and facts.pdq is not None


def test_a_slow_host_cannot_hold_the_pipeline_past_the_batch_budget(media_server) -> None:  # type: ignore[no-untyped-def]
    """Past the budget the picture is deferred (no finding, no wait); a later look checks it."""
    import time

    url = media_server.add("/slow-gps.jpg", images.jpeg(images.plain_scene(15), exif=images.gps_exif()),
                           delay=1.5)
    rt = make_runtime(media_server)
    rt.batch_budget = 0.3
    clf = ImageMetadataClassifier(runtime=rt)
    t = time.monotonic()
    assert clf.classify(post(url)) == []
    assert time.monotonic() - t < 1.2
    time.sleep(1.8)  # the background fetch finishes and fills the cache
    assert clf.classify(post(url))[0].label == "exif_gps"


def test_small_faces_in_a_group_photo_are_found_in_closer_tiles() -> None:
    """Six 60-pixel faces in a 3-megapixel picture: all found (the whole view misses them)."""
    head = images.astronaut().crop((130, 20, 330, 260)).resize((120, 144))
    canvas = images.plain_scene(5, (2000, 1500))
    for k in range(6):
        canvas.paste(head, (100 + k * 300, 400 + (k % 2) * 500))
    faces = detect_faces(canvas)
    assert len(faces) == 6 and all(45 <= f.w <= 75 for f in faces)


@pytest.mark.parametrize("span_type,words,label,counts", [
    ("child_name", "Amelia", "model", True),
    ("child_name", "wes", "model", False),      # an OCR fragment of a craft label
    ("child_name", "wes", "roster_name", True),  # the roster knows a Wes: it counts
    ("child_name", "A A e", "model", False),    # stray letters from a carved pumpkin
    ("child_name", "Jo", "model", True),        # a short name written as a name
    ("school", "oakfield primary", "model", True),
])
def test_an_ocr_fragment_is_a_name_only_when_written_as_one_or_on_the_roster(
        span_type: str, words: str, label: str, counts: bool) -> None:
    from classifiers.images.text_check import ocr_name_counts

    assert ocr_name_counts(span_type, words, label) is counts
