"""Image and video checks (issue 9): metadata, faces, consent register, text in pictures.

Classifier names (storage keys, never renamed): ``image_metadata``, ``image_faces``,
``image_consent``, ``image_text``. They share one :class:`ImageRuntime` per process, so
each media file is fetched and decoded once however many of them are configured.
"""

from classifiers.images.checks import (
                                       ImageConsentClassifier,
                                       ImageFacesClassifier,
                                       ImageMetadataClassifier,
)
from classifiers.images.consent_index import ConsentIndex, StaticConsentIndex
from classifiers.images.runtime import ImageFacts, ImageRuntime, configure, shared_runtime
from classifiers.images.text_check import ImageTextClassifier

IMAGE_CLASSIFIERS = ("image_metadata", "image_faces", "image_consent", "image_text")

__all__ = ["IMAGE_CLASSIFIERS", "ConsentIndex", "ImageConsentClassifier", "ImageFacesClassifier",
           "ImageFacts", "ImageMetadataClassifier", "ImageRuntime", "ImageTextClassifier",
           "StaticConsentIndex", "configure", "shared_runtime"]
