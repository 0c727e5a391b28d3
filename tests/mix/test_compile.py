import re

import pytest
from mix_fixture_run import attrs

from dolmalike.core.errors import DolmalikeError
from dolmalike.manifests.query import connect
from dolmalike.mix.compile import compile_mix
from dolmalike.mix.select import select_candidates
from dolmalike.mix.spec import parse_spec


def compile_sources(run_dir, *sources):
    return compile_mix(parse_spec({"seed": 1, "sources": list(sources)}), connect(run_dir))


def matched(run_dir, where=None, sql=None):
    source = {"name": "s", **({"where": where} if where is not None else {}), **({"sql": sql} if sql else {})}
    con = connect(run_dir)
    cands = select_candidates(con, compile_mix(parse_spec({"sources": [source]}), con), 0, 0.0)
    return set(cands.doc_id)


def test_unknown_tagger_lists_valid_taggers(mix_run):
    run_dir, _ = mix_run
    with pytest.raises(DolmalikeError) as e:
        compile_sources(run_dir, {"name": "en", "where": {"attr": "langid_v2.language", "eq": "en"}})
    assert str(e.value) == (
        "source 'en': unknown attribute 'langid_v2.language': the run has no tagger 'langid_v2'; "
        "valid taggers: gopher_quality_v1, langid_v1, quality_v1; other tables: documents, dedup"
    )


def test_unknown_column_lists_valid_columns(mix_run):
    run_dir, _ = mix_run
    with pytest.raises(DolmalikeError) as e:
        compile_sources(run_dir, {"name": "en", "where": {"attr": "langid_v1.lang", "eq": "en"}})
    assert str(e.value).endswith("langid_v1 has no column 'lang'; valid columns: language, language_score")
    with pytest.raises(
        DolmalikeError,
        match=r"table documents has no column 'uri'; valid columns: crawl, doc_id, fetch_date, fetch_date_raw, n_chars",
    ):
        compile_sources(run_dir, {"name": "u", "where": {"attr": "uri", "contains": "x"}})


@pytest.mark.parametrize(
    "where, message",
    [
        ({"attr": "langid_v1.language", "eq": 5}, "value 5 does not fit a text column"),
        ({"attr": "quality_v1.quality_score", "gt": "high"}, "value 'high' does not fit a number column"),
        ({"attr": "gopher_quality_v1.passes", "gt": True}, "makes no sense on a boolean column"),
        ({"attr": "gopher_quality_v1.n_words", "regex": "1"}, "`regex` needs a text column"),
        ({"attr": "url", "regex": "(?=x)"}, "invalid RE2 regex"),
    ],
)
def test_value_type_errors(mix_run, where, message):
    with pytest.raises(DolmalikeError, match=re.escape(message)):
        compile_sources(mix_run[0], {"name": "s", "where": where})


def test_raw_sql_is_validated_with_explain(mix_run):
    run_dir, _ = mix_run
    with pytest.raises(DolmalikeError, match=r"source 's': invalid SQL: .*no_such_col.*; tables: "):
        compile_sources(run_dir, {"name": "s", "sql": "attributes_langid_v1.no_such_col = 1"})


def test_values_are_bound_as_parameters_never_interpolated(mix_run):
    run_dir, _ = mix_run
    tricky = "en' OR '1'='1"
    c = compile_sources(run_dir, {"name": "s", "where": {"any": [
        {"attr": "langid_v1.language", "eq": tricky}, {"attr": "langid_v1.language", "in": ["zz", "yy"]}]}})  # fmt: skip
    assert tricky not in c.query and "zz" not in c.query
    assert c.params == [tricky, "zz", "yy"]
    assert c.sources[0].sql == (
        '(COALESCE("attributes_langid_v1"."language" = ?, FALSE) OR '
        'COALESCE("attributes_langid_v1"."language" IN (?, ?), FALSE))'
    )
    assert len(select_candidates(connect(run_dir), c, 0, 0.0)) == 0  # the injection attempt matches nothing


def test_rule_semantics_match_python(mix_run):
    run_dir, kept = mix_run
    a = {d: attrs(doc) for d, doc in kept.items()}

    def expect(pred):
        return {d for d in kept if pred(kept[d], a[d])}

    cases = [
        ({"attr": "langid_v1.language", "eq": "en"}, lambda doc, x: x["language"] == "en"),
        ({"attr": "langid_v1.language", "ne": "en"}, lambda doc, x: x["language"] != "en"),
        ({"attr": "gopher_quality_v1.passes", "eq": True}, lambda doc, x: x["passes"] is True),
        # a missing attribute fails the comparison, so `not` of it matches untagged documents too
        ({"not": {"attr": "gopher_quality_v1.passes", "eq": True}}, lambda doc, x: x["passes"] is not True),
        ({"attr": "gopher_quality_v1.passes", "ne": True}, lambda doc, x: x["passes"] is False),
        ({"attr": "gopher_quality_v1.passes", "is_null": True}, lambda doc, x: x["passes"] is None),
        ({"attr": "quality_v1.quality_score", "ge": 0.5}, lambda doc, x: x["quality_score"] >= 0.5),
        ({"attr": "url", "contains": "wiki"}, lambda doc, x: "wiki" in doc.url),
        ({"attr": "documents.url", "regex": r"\.org/"}, lambda doc, x: re.search(r"\.org/", doc.url) is not None),
        ({"attr": "langid_v1.language", "not_in": ["en"]}, lambda doc, x: x["language"] != "en"),
        ({"attr": "dedup.cluster_id", "in": ["c0", "c1"]}, lambda doc, x: doc.ordinal // 4 in (0, 1)),
        ({"any": [{"attr": "quality_v1.quality_score", "lt": 0.1}, {"attr": "documents.partition", "eq": "part-b"}]},
         lambda doc, x: x["quality_score"] < 0.1 or doc.partition == "part-b"),
    ]  # fmt: skip
    for where, pred in cases:
        got = matched(run_dir, where=where)
        assert got == expect(pred), where
        assert got, where  # every case selects something, so equality is not vacuous
    got = matched(run_dir, sql="attributes_quality_v1.quality_score < 0.25 AND documents.n_chars > 500")
    assert got == expect(lambda doc, x: x["quality_score"] < 0.25 and len(doc.text) > 500) and got


def test_only_kept_documents_and_first_matching_source(mix_run):
    run_dir, kept = mix_run
    con = connect(run_dir)
    c = compile_mix(
        parse_spec(
            {
                "sources": [
                    {"name": "en", "where": {"attr": "langid_v1.language", "eq": "en"}},
                    {"name": "all"},
                ]
            }
        ),
        con,
    )
    cands = select_candidates(con, c, 0, 0.0)
    assert set(cands.doc_id) == set(kept)  # dropped documents never appear
    assert cands.doc_id == sorted(cands.doc_id)
    by_doc = dict(zip(cands.doc_id, cands.src.tolist()))
    assert {d for d, s in by_doc.items() if s == 0} == {d for d in kept if attrs(kept[d])["language"] == "en"}
    assert {d for d, s in by_doc.items() if s == 1} == {d for d in kept if attrs(kept[d])["language"] != "en"}
