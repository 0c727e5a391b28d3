import gzip
import json
import pickle
from pathlib import Path

import pyarrow as pa
import pytest
from warcio.archiveiterator import ArchiveIterator

from dolmalike.classifier.fasttext_io import bundled_lid_model
from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.taggers.langid import LangIdTagger


@pytest.fixture(scope="module")
def lid() -> LangIdTagger:
    return LangIdTagger()


def _dolma(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_whirlwind_aragonese_wikipedia_page(lid, shared_data):
    # an.wikipedia.org/wiki/Escopete; CC's CLD2 said "spa" (unreliable). lid.176 agrees on
    # Spanish, with Aragonese as the runner-up.
    with open(shared_data / "commoncrawl" / "whirlwind.warc.wet.gz", "rb") as f:
        texts = [r.content_stream().read().decode() for r in ArchiveIterator(f) if r.rec_type == "conversion"]
    assert len(texts) == 1
    out = lid.predict(Document(doc_id="escopete", text=texts[0]))
    assert out["language"] == "es"
    assert out["language_score"] == pytest.approx(0.535, abs=0.02)
    assert [t["lang"] for t in out["top_k"]][:2] == ["es", "an"]
    assert len(out["top_k"]) == 3


def test_ccnet_english_docs_are_english_and_match_ccnet_scores(lid, shared_data):
    recs = [r for f in sorted((shared_data / "dolma" / "cc_en_head").glob("*.jsonl.gz")) for r in _dolma(f)]
    assert len(recs) == 20
    out = lid.predict_batch([Document(doc_id=str(i), text=r["text"]) for i, r in enumerate(recs)])
    assert [o["language"] for o in out] == ["en"] * 20
    scores = [o["language_score"] for o in out]
    assert min(scores) > 0.8
    # CCNet scored the same texts with lid.176.bin; the .ftz model on our truncation agrees closely.
    ccnet = [r["metadata"]["language_score"] for r in recs]
    assert sum(abs(a - b) for a, b in zip(scores, ccnet)) / 20 < 0.03


def test_wikipedia_language_subdomains(lid, shared_data):
    recs = _dolma(shared_data / "dolma" / "CC-MAIN-20190717121559-20190717143559-00140.jsonl.gz")
    known = {lab.removeprefix("__label__") for lab in lid.ft.labels}
    wiki = []
    for r in recs:
        host = r["metadata"]["url"].split("/")[0]
        sub = host.split(".")[0]
        # zh-min-nan, csb, hak... have no lid.176 label, so only labelled languages count.
        if host.endswith("wikipedia.org") and sub in known:
            wiki.append((sub, r["text"]))
    assert len(wiki) == 75
    out = lid.predict_batch([Document(doc_id=str(i), text=t) for i, (_, t) in enumerate(wiki)])
    agree = sum(o["language"] == sub for o, (sub, _) in zip(out, wiki))
    assert agree / len(wiki) >= 0.9  # observed 71/75 (misses: an->es, azb->fa, nap->ca, scn->en)
    by_lang = {sub: o["language"] for o, (sub, _) in zip(out, wiki)}
    for lang in ("fr", "es", "it", "pl", "uk", "ro", "he", "hy", "ta", "hu", "no"):
        assert by_lang[lang] == lang


def test_batch_equals_single_and_text_is_one_line_and_truncated(lid):
    text = "Der schnelle braune Fuchs springt über den faulen Hund.\nUnd dann läuft er weg."
    docs = [Document(doc_id="a", text=text), Document(doc_id="b", text="The cat sat on the mat.")]
    batch = lid.predict_batch(docs)
    assert batch == [lid.predict(d) for d in docs]
    assert batch[0]["language"] == "de" and batch[1]["language"] == "en"
    short = LangIdTagger(max_chars=20)
    # only the first 20 characters are scored
    assert short.predict(docs[0]) == lid.predict(Document(doc_id="c", text=text[:20]))
    assert LangIdTagger(k=1).predict(docs[1])["top_k"] == [batch[1]["top_k"][0]]


def test_empty_and_blank_documents(lid):
    out = lid.predict_batch([Document(doc_id="e", text=""), Document(doc_id="w", text=" \n\t ")])
    assert out == [{"language": None, "language_score": 0.0, "top_k": []}] * 2


def test_rows_fit_schema(lid):
    rows = lid.predict_batch(
        [Document(doc_id="a", text="Bonjour tout le monde"), Document(doc_id="b", text="")]
    )
    table = pa.Table.from_pylist(rows, schema=lid.schema())
    assert table.column("language").to_pylist() == ["fr", None]
    assert lid.config()["model"] == "lid.176.ftz"
    assert len(lid.config()["model_sha256"]) == 64


def test_pickle_drops_loaded_model_and_reloads(lid):
    doc = Document(doc_id="a", text="Questo è un testo scritto in italiano.")
    expected = lid.predict(doc)
    assert lid.ft._model is not None
    clone = pickle.loads(pickle.dumps(lid))
    assert clone.ft._model is None
    assert clone.predict(doc) == expected


def test_model_path_override_and_missing_model(tmp_path):
    tagger = LangIdTagger(model_path=bundled_lid_model())
    assert tagger.predict(Document(doc_id="a", text="Hola, ¿cómo estás?"))["language"] == "es"
    with pytest.raises(DolmalikeError, match="not found"):
        LangIdTagger(model_path=tmp_path / "nope.bin")
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"not a model")
    with pytest.raises(DolmalikeError, match="cannot load"):
        LangIdTagger(model_path=bad).predict(Document(doc_id="a", text="hello"))


def test_probe_then_rescore_keeps_every_language_of_the_real_pages(lid, real_texts):
    docs = [Document(doc_id=str(i), text=t) for i, t in enumerate(real_texts)]
    one_step = LangIdTagger(probe_chars=None).predict_batch(docs)
    two_step = lid.predict_batch(docs)
    agree = sum(a["language"] == b["language"] for a, b in zip(two_step, one_step)) / len(docs)
    assert agree >= 0.99  # observed 727/727
    probe = LangIdTagger(max_chars=1000).predict_batch(docs)
    rescored = [i for i, d in enumerate(docs) if len(d.text) > 1000 and probe[i]["language_score"] < 0.8]
    # Far fewer characters reach fastText than with one 5,000-character cut (observed 51%).
    fed = sum(min(len(t), 1000) for t in real_texts) + sum(min(len(real_texts[i]), 5000) for i in rescored)
    assert fed < 0.6 * sum(min(len(t), 5000) for t in real_texts)
    # Each document has exactly the answer of the step that decided it.
    rescored_set = set(rescored)
    assert 0 < len(rescored) < len(docs) // 4  # observed 67 of 727
    for i in range(len(docs)):
        assert two_step[i] == (one_step[i] if i in rescored_set else probe[i]), i


def test_probe_length_and_confidence_decide_the_rescore(lid, shared_data):
    with open(shared_data / "commoncrawl" / "whirlwind.warc.wet.gz", "rb") as f:
        page = next(
            r.content_stream().read().decode() for r in ArchiveIterator(f) if r.rec_type == "conversion"
        )
    assert len(page) > 1000
    doc = Document(doc_id="escopete", text=page)
    unsure = LangIdTagger(max_chars=1000).predict(doc)
    assert unsure["language_score"] < 0.8  # so the tagger looks again at 5,000 characters
    assert lid.predict(doc) == LangIdTagger(probe_chars=None).predict(doc)
    # Trusting any probe keeps the 1,000-character answer; a probe as long as max_chars is one step.
    assert LangIdTagger(probe_confidence=0.0).predict(doc) == unsure
    assert LangIdTagger(max_chars=20).predict(doc) == LangIdTagger(max_chars=20, probe_chars=None).predict(
        doc
    )
    assert lid.config()["probe_chars"] == 1000 and lid.config()["probe_confidence"] == 0.8
    with pytest.raises(ValueError, match="probe_chars"):
        LangIdTagger(probe_chars=0)
