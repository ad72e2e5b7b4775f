"""The outputs script accepts terraform's and cdktf's shapes and refuses anything else cleanly."""

from __future__ import annotations

import json

import pytest

from scripts.flat_outputs import flatten, main


def test_terraform_output_json():
    assert flatten({"a": {"value": "x", "type": "string", "sensitive": False},
                    "n": {"value": 60, "type": "number"}}) == {"a": "x", "n": "60"}


def test_cdktf_outputs_file():
    assert flatten({"migration-sbx01": {"record_name": "db.x", "ids": ["a", "b"]}}) == \
        {"ids": '["a", "b"]', "record_name": "db.x"}


@pytest.mark.parametrize("bad", [{}, [], {"a": 1}, {"s1": {"a": "1"}, "s2": {"b": "2"}}])
def test_bad_shapes_are_refused(bad):
    with pytest.raises(ValueError):
        flatten(bad)


def test_cli_writes_atomically_and_reports_errors(tmp_path, capsys):
    source = tmp_path / "out.json"
    source.write_text(json.dumps({"a": {"value": "x"}}))
    target = tmp_path / "cfn-outputs" / "flat-outputs.json"
    assert main([str(source), "--out", str(target)]) == 0
    assert json.loads(target.read_text()) == {"a": "x"}
    source.write_text("{broken")
    assert main([str(source), "--out", str(tmp_path / "other.json")]) == 2
    assert "error:" in capsys.readouterr().err and not (tmp_path / "other.json").exists()
