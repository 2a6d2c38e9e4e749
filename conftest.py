"""Shared fixtures: the persona world (pumpurs/core/testing/personas.py) for every test."""

from __future__ import annotations

import pytest

from pumpurs.core.testing.personas import World, build_world


@pytest.fixture
def world(db: None) -> World:
    return build_world()
