"""Videos: sampled frames (periodic + scene changes, capped) through the same checks."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from classifiers.base import ClassifierInput
from classifiers.images import ImageFacesClassifier, ImageTextClassifier
from classifiers.images.video import sample_frames
from monitor.types import AuthorRole, Category, ItemKind
from tests.photos import images
from tests.photos.conftest import make_runtime


def make_video(scenes: list, seconds_each: float = 2.0, fps: int = 10) -> bytes:  # type: ignore[type-arg]
    """An MPEG-4 file written by OpenCV: each scene held for ``seconds_each``."""
    import cv2

    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (640, 480))
        for scene in scenes:
            frame = cv2.cvtColor(np.asarray(scene.convert("RGB").resize((640, 480))), cv2.COLOR_RGB2BGR)
            for _ in range(int(seconds_each * fps)):
                writer.write(frame)
        writer.release()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def test_frames_are_sampled_periodically_and_at_scene_changes() -> None:
    """A cut between periodic samples still yields a frame of the new scene; the cap holds."""
    data = make_video([images.plain_scene(1), images.certificate()], seconds_each=2.0)
    frames = sample_frames(data, every_s=3.0)
    times = [ms for ms, _ in frames]
    assert times[0] == 0 and any(1900 <= ms <= 2300 for ms in times), times
    assert len(sample_frames(data, every_s=0.1, max_frames=4)) == 4


def test_a_name_shown_in_an_official_video_is_found_with_its_frame(media_server, context) -> None:  # type: ignore[no-untyped-def]
    """The certificate held up in a video: a region at the frame's time; the face too."""
    data = make_video([images.plain_scene(2), images.certificate(), images.astronaut()])
    url = media_server.add("/video.mp4", data, content_type="video/mp4")
    rt = make_runtime(media_server)
    item = ClassifierInput(id="v", text="Our week in pictures", author_role=AuthorRole.ORGANISATION,
                           kind=ItemKind.POST, platform="facebook", location="oakfield",
                           media=({"url": url, "type": "video"},))
    dets = ImageTextClassifier(context, rt).classify(item)
    ci = next(d for d in dets if d.category == Category.CHILD_IDENTIFICATION)
    assert all(sp.detail["frame_ms"] >= 1900 for sp in ci.spans)  # type: ignore[index]
    [faces] = ImageFacesClassifier(context, rt).classify(item)
    assert faces.spans[0].detail["frame_ms"] >= 3900  # type: ignore[index]


def test_a_broken_video_gives_no_finding(media_server, context) -> None:  # type: ignore[no-untyped-def]
    """An MP4 header over garbage is logged and skipped."""
    url = media_server.add("/broken.mp4", b"\x00\x00\x00\x18ftypisom" + os.urandom(5000))
    rt = make_runtime(media_server)
    item = ClassifierInput(id="v", text="", author_role=AuthorRole.ORGANISATION, kind=ItemKind.POST,
                           media=({"url": url, "type": "video"},))
    assert ImageFacesClassifier(context, rt).classify(item) == []
    assert rt.facts_for(item.media, "facebook")[0].error == "undecodable"
