"""Autolog tests: real libraries on tiny data; no test may leave a patch behind."""

from __future__ import annotations

import os

import pytest

# Keras 3 on the torch backend: no TensorFlow download. Set before keras is imported anywhere.
os.environ.setdefault("KERAS_BACKEND", "torch")

from nbtrack.integrations._registry import REGISTRY


@pytest.fixture(autouse=True)
def no_leftover_patches():
    """Fail a test that leaves autolog enabled (patches, configs or the import hook)."""
    yield
    left = REGISTRY.live() + sorted(REGISTRY.configs)
    hooked = REGISTRY.hook.installed
    REGISTRY.revert_all()
    REGISTRY.warned.clear()
    if left or hooked:
        pytest.fail(f"test left autolog enabled: {left[:5]} (import hook installed: {hooked})")


@pytest.fixture
def autolog():
    """``nbtrack.autolog`` that is always disabled again after the test."""
    import nbtrack

    yield nbtrack.autolog
    nbtrack.autolog(disable=True)
