from pathlib import Path

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.mix.spec import Budget, Combo, Leaf, load_spec, parse_spec

REPO = Path(__file__).resolve().parents[2]


def spec(**over):
    raw = {"seed": 1, "sources": [{"name": "a"}]}
    raw.update(over)
    return raw


def test_defaults_and_rule_tree():
    s = parse_spec(
        spec(
            sources=[
                {
                    "name": "en",
                    "where": {
                        "all": [
                            {"attr": "langid_v1.language", "eq": "en"},
                            {"not": {"attr": "url", "regex": "spam"}},
                        ]
                    },
                    "target_tokens": 1000,
                }
            ]
        )  # fmt: skip
    )
    assert s.tokenizer == "default" and s.shard_tokens == 1 << 20 and s.heldout_fraction == 0.0
    src = s.sources[0]
    assert src.budget == Budget("target_tokens", 1000.0)
    assert src.where == Combo(
        "all", (Leaf("langid_v1.language", "eq", "en"), Combo("not", (Leaf("url", "regex", "spam"),)))
    )
    assert src.rule_text() == 'all(langid_v1.language eq "en", not(url regex "spam"))'
    assert parse_spec(spec()).sources[0].budget == Budget("repeat", 1.0)
    assert parse_spec(spec()).sources[0].rule_text() == "all kept documents"


def test_in_lists_become_tuples_and_round_trip_to_dict():
    s = parse_spec(spec(sources=[{"name": "x", "where": {"attr": "crawl", "in": ["a", "b"]}, "sample": 0.5}]))
    assert s.sources[0].where == Leaf("crawl", "in", ("a", "b"))
    d = s.to_dict()["sources"][0]
    assert d["where"] == {"attr": "crawl", "in": ("a", "b")} and d["sample"] == 0.5


@pytest.mark.parametrize(
    "raw, message",
    [
        (spec(sourcez=[]), "unknown key(s) sourcez; valid keys: seed, tokenizer"),
        (spec(sources=[]), "`sources` must be a non-empty list"),
        (spec(sources=[{"name": "a"}, {"name": "a"}]), "duplicate source names: a"),
        (spec(sources=[{"name": "a/b"}]), "source 'a/b' cannot be used as a file name"),
        (spec(sources=[{"name": "a", "target_tokens": 5, "repeat": 2}]), "at most one of"),
        (
            spec(sources=[{"name": "a", "where": {"attr": "x", "eq": 1}, "sql": "TRUE"}]),
            "either `where` or `sql`",
        ),
        (
            spec(sources=[{"name": "a", "where": {"attr": "x", "equals": 1}}]),
            "exactly one operator of eq, ne",
        ),
        (spec(sources=[{"name": "a", "where": {"attr": "x", "in": "en"}}]), "`in` needs a list"),
        (spec(sources=[{"name": "a", "where": {"attr": "x", "regex": "("}}]), "invalid regex"),
        (spec(sources=[{"name": "a", "where": {"attr": "x", "eq": None}}]), "use is_null"),
        (spec(sources=[{"name": "a", "where": {"both": []}}]), "unknown rule key 'both'"),
        (spec(sources=[{"name": "a", "where": {"all": []}}]), "non-empty list"),
        (spec(sources=[{"name": "a", "sql": "TRUE; DROP TABLE documents"}]), "without ';'"),
        (
            spec(sources=[{"name": "a", "proportion": 1.5}]),
            "`sources[0] (a).proportion` must be a number >= 0 and <= 1",
        ),
        (spec(sources=[{"name": "a", "proportion": 0.5}, {"name": "b", "proportion": 0.3}]), "must sum to 1"),
        (
            spec(sources=[{"name": "a", "proportion": 1.0}, {"name": "b", "target_tokens": 10}]),
            "must sum to less than 1",
        ),
        (spec(shard_tokens=0), "`shard_tokens` must be an integer >= 1"),
        (spec(heldout_fraction=2), "`heldout_fraction` must be a number >= 0 and <= 1"),
        (spec(seed="x"), "`seed` must be an integer"),
    ],
)
def test_structural_errors(raw, message):
    with pytest.raises(DolmalikeError) as e:
        parse_spec(raw)
    assert message in str(e.value)


def test_proportions_with_total_tokens_need_not_sum_to_one():
    s = parse_spec(
        spec(total_tokens=100, sources=[{"name": "a", "proportion": 0.2}, {"name": "b", "proportion": 0.3}])
    )
    assert [x.budget.value for x in s.sources] == [0.2, 0.3]


def test_load_spec_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1\n")
    with pytest.raises(DolmalikeError, match="bad.yaml: invalid YAML"):
        load_spec(bad)
    bad.write_text("seed: 1\nsources: [{name: a, repeat: -1}]\n")
    with pytest.raises(DolmalikeError, match=r"bad.yaml: `sources\[0\] \(a\).repeat` must be a number"):
        load_spec(bad)
    with pytest.raises(DolmalikeError, match="mix spec not found"):
        load_spec(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name", ["mix.yaml", "mix_all.yaml", "mix_gpt2_sql.yaml"])
def test_shipped_specs_parse(name):
    s = load_spec(REPO / "pipelines" / name)
    assert s.sources and s.seed >= 0
