"""Classifiers: one interface (``base.Classifier``), several implementations."""

from classifiers.base import Classifier, ClassifierInput, Detection, Span

__all__ = ["Classifier", "ClassifierInput", "Detection", "Span"]
