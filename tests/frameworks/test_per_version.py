"""What is derived from a framework version is worked out once per parsed version."""

from __future__ import annotations

from openita.frameworks.loader import load_file
from openita.frameworks.schema import per_version
from tests.personas import MINI_FRAMEWORK


def test_derived_tables_are_built_once_per_framework_object_and_instrument():
    built = []

    @per_version
    def keys(framework, instrument):
        built.append((framework.id, instrument))
        return [i.number for i in framework.indicators_of(instrument)]

    first, reparsed = load_file(MINI_FRAMEWORK), load_file(MINI_FRAMEWORK)
    assert keys(first, "IIT") is keys(first, "IIT")
    keys(first, "EIT")
    keys(reparsed, "IIT")  # another object (a new draft, say): its own entry
    assert built == [("mini", "IIT"), ("mini", "EIT"), ("mini", "IIT")]
