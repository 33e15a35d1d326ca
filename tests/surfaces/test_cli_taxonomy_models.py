"""``affectlab taxonomy`` and ``affectlab models``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from affectlab.engines.embedded import installed_models
from affectlab.surfaces.cli.app import app

runner = CliRunner()


def test_taxonomy_list_json() -> None:
    result = runner.invoke(app, ["taxonomy", "list", "--json"])
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert listed["goemotions"] == {"labels": 28, "kind": "multilabel"} and listed["sentiment"]["kind"] == "exclusive"


def test_taxonomy_show_parrott_tier() -> None:
    result = runner.invoke(app, ["taxonomy", "show", "parrott:2", "--json"])
    shown = json.loads(result.stdout)
    assert shown["name"] == "parrott-2" and shown["parent"]["irritation"] == "anger"
    text = runner.invoke(app, ["taxonomy", "show", "parrott"]).output
    assert "Parrott" in text and "love" in text


def test_taxonomy_map_explains_the_path() -> None:
    result = runner.invoke(app, ["taxonomy", "map", "love", "--from", "goemotions", "--to", "plutchik", "--json"])
    mapped = json.loads(result.stdout)
    assert mapped["targets"] == {"joy": 1.0, "trust": 1.0} and mapped["path"] == ["goemotions->plutchik"]
    bad = runner.invoke(app, ["taxonomy", "map", "rage", "--from", "ekman", "--to", "plutchik"])
    assert bad.exit_code == 2 and "Known labels" in bad.output


@pytest.mark.skipif("default" not in installed_models(), reason="default model artifact not installed")
def test_models_list_and_info() -> None:
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).stdout)
    assert listed[0]["name"] == "default" and listed[0]["size_bytes"] < 40 * 2**20
    info = runner.invoke(app, ["models", "info"])
    assert info.exit_code == 0 and "Model card" in info.output
    assert runner.invoke(app, ["models", "info", "nope"]).exit_code == 1
