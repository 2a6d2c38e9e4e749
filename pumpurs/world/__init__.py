"""The composition root: what builds a whole world out of the domain apps — the ``seed`` and
``demo`` commands and the test personas. It sits above every domain app and nothing imports it
but tests."""
