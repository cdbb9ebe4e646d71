"""A broken framework file is refused with the file, the place and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from openita.frameworks.loader import FrameworkError, load_file, parse

MINI = Path(__file__).resolve().parent / "mini.yaml"


def broken(tmp_path, change) -> Path:
    data = yaml.safe_load(MINI.read_text())
    change(data)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.mark.parametrize(("change", "where", "reason"), [
    (lambda d: d["questions"][1].update(scale="L5"), "questions[1].scale", "L4"),
    (lambda d: d["questions"][0].update(polarity="?"), "questions[0].polarity", "'+'"),
    (lambda d: d["instruments"][0].update(weight="0.5"), "", "add up to exactly 1"),
    (lambda d: d["questions"][2].update(indicator="9"), "", "not a survey indicator"),
    (lambda d: d["oit_items"][0].update(subindicator="7.7"), "", "unknown sub-indicator"),
    (lambda d: d["oit_items"].append(dict(d["oit_items"][0])), "", "O1 appears twice"),
    (lambda d: d["rating"].reverse(), "", "ordered"),
    (lambda d: d["rating"][-1].update(min_total=10), "", "start at 0"),
    (lambda d: d["rating"][0]["floors"].update(XIT=95), "", "unknown floor"),
    (lambda d: d["scales"][0]["levels"][0].update(score="abc"), "scales[0].levels[0].score",
     "not a number"),
    (lambda d: d["scales"][0]["levels"][3].update(score="120"), "scales[0]",
     "between 0 and 100"),
    (lambda d: d["oit_items"][0].update(criteria=[]), "oit_items[0].criteria", "at least 1"),
    (lambda d: d.update(colour="blue"), "colour", "Extra inputs"),
    (lambda d: d.pop("samples"), "samples", "Field required"),
])
def test_a_broken_file_names_the_file_the_place_and_the_reason(tmp_path, change, where,
                                                                reason):
    path = broken(tmp_path, change)
    with pytest.raises(FrameworkError) as caught:
        load_file(path)
    error = caught.value
    assert error.file == str(path)
    assert error.path == where
    assert reason in error.reason
    assert str(error).startswith(str(path))


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nquestions: [\n  - code: q1\n")
    with pytest.raises(FrameworkError) as caught:
        load_file(path)
    assert caught.value.path.startswith("line ") and "not valid YAML" in caught.value.reason


def test_a_missing_file_and_a_list_are_refused(tmp_path):
    with pytest.raises(FrameworkError, match="No such file"):
        load_file(tmp_path / "nowhere.yaml")
    with pytest.raises(FrameworkError, match="one mapping"):
        parse("- 1\n- 2\n")
