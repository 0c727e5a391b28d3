from dolmalike.core.document import Document
from dolmalike.stages.base import StageContext
from dolmalike.stages.tag import tag_documents
from dolmalike.taggers.apply import TaggerSet
from dolmalike.taggers.registry import build_taggers

GERMAN = (
    "Die Stadtverwaltung hat am Montag einen neuen Plan für den öffentlichen Nahverkehr vorgestellt. "
    "Die Bürger können ihre Meinung bis zum Ende des Monats abgeben, und die Arbeiten sollen im Frühjahr "
    "beginnen. Scheiße, sagte ein Anwohner, das dauert alles viel zu lange."
)


def test_langid_before_badwords_selects_the_language_list():
    doc = Document(doc_id="d1", text=GERMAN)
    ctx = StageContext(partition="p")
    taggers = TaggerSet(build_taggers(["langid_v1", "badwords_v1"], ()))
    list(tag_documents([doc], taggers, ctx))
    rows = {name: rows[0] for name, (_, rows) in ctx.attributes.items()}
    assert rows["langid_v1"]["language"] == "de"
    assert rows["badwords_v1"]["badwords_lang"] == "de"
    assert rows["badwords_v1"]["badword_count"] >= 1
    assert doc.metadata["language"] == "de"
