"""Classifiers: one interface (``base.Classifier``), several implementations."""

from classifiers.base import Classifier, ClassifierInput, Detection, Span
from classifiers.registry import available, build_classifiers
from classifiers.severity import item_severity

__all__ = ["Classifier", "ClassifierInput", "Detection", "Span", "available",
           "build_classifiers", "item_severity"]
