"""Unit tests read diagnoses without the built classifier (``claimbot train`` may or may not have run on
this machine); the tests of the classifier install a small one of their own."""

from __future__ import annotations

import pytest

from nlu import diagnosis_classifier


@pytest.fixture(autouse=True)
def no_diagnosis_classifier():
    diagnosis_classifier.install(None)
    yield
    diagnosis_classifier.install(None)
