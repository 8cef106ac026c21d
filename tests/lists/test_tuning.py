"""The filter's knobs, given as JSON to ``optout filter`` (for benchmarks and tests)."""

from __future__ import annotations

import pytest

from optout.lists.tuning import Tuning

pytestmark = pytest.mark.dialect_independent("the tuning's argument checks")


def test_some_fields_are_given_and_the_others_keep_their_defaults():
    assert Tuning.from_json('{"block": 64, "wait_for_loader": true}') == Tuning(block=64, wait_for_loader=True)
    assert Tuning.from_json('{"rows_estimate": null}') == Tuning()


@pytest.mark.parametrize(
    "text",
    ["[]", '{"blocks": 64}', '{"block": "64"}', '{"block": true}', '{"wait_for_loader": 1}', '{"block": null}', "{"],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError, match=r"."):
        Tuning.from_json(text)


def test_the_filter_refuses_unusable_tuning(optout, make_campaign, tmp_path, monkeypatch):
    make_campaign("newsletter", topic="periodic")
    source = tmp_path / "list.csv"
    source.write_text("email\nkari@example.no\n")
    monkeypatch.setenv("OPTOUT_FILTER_TUNING", '{"blocks": 64}')
    result = optout("filter", "--campaign", "newsletter", str(source))
    assert result.exit_code != 0
    assert "OPTOUT_FILTER_TUNING: expected a JSON object with some of: block," in result.output
