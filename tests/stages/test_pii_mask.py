import pytest

from dolmalike.core.document import Document
from dolmalike.core.errors import DolmalikeError
from dolmalike.stages.base import StageContext
from dolmalike.stages.pii_mask import PiiMask

TEXT = "Write to jane.doe@example.org, call (212) 555-0147 or ping 10.0.0.12 today."


def _run(stage: PiiMask, texts: list[str]) -> tuple[list[Document], StageContext]:
    ctx = StageContext(partition="p")
    docs = [Document(doc_id=f"d{i}", text=t) for i, t in enumerate(texts)]
    return list(stage.run(iter(docs), ctx)), ctx


def test_masks_and_records_every_replacement() -> None:
    out, ctx = _run(PiiMask(), [TEXT, "Nothing personal here."])
    assert out[0].text == (
        "Write to |||EMAIL_ADDRESS|||, call |||PHONE_NUMBER||| or ping |||IP_ADDRESS||| today."
    )
    assert out[1].text == "Nothing personal here."
    masked, kept = ctx.decisions
    assert (masked.decision, masked.score, kept.decision) == ("masked", 3.0, "kept")
    replacements = masked.detail["replacements"]
    assert replacements == [
        {"type": "EMAIL_ADDRESS", "start": 9, "end": 29, "replacement": "|||EMAIL_ADDRESS|||"},
        {"type": "PHONE_NUMBER", "start": 36, "end": 50, "replacement": "|||PHONE_NUMBER|||"},
        {"type": "IP_ADDRESS", "start": 59, "end": 68, "replacement": "|||IP_ADDRESS|||"},
    ]
    # the recorded spans index the original text, and replaying them gives the masked text
    assert [TEXT[r["start"] : r["end"]] for r in replacements] == [
        "jane.doe@example.org",
        "(212) 555-0147",
        "10.0.0.12",
    ]
    rebuilt, pos = "", 0
    for r in replacements:
        rebuilt += TEXT[pos : r["start"]] + r["replacement"]
        pos = r["end"]
    assert rebuilt + TEXT[pos:] == out[0].text


def test_only_selected_types_are_masked() -> None:
    out, ctx = _run(PiiMask(types=["IP_ADDRESS"]), [TEXT])
    assert out[0].text == "Write to jane.doe@example.org, call (212) 555-0147 or ping |||IP_ADDRESS||| today."
    assert [r["type"] for r in ctx.decisions[0].detail["replacements"]] == ["IP_ADDRESS"]
    with pytest.raises(DolmalikeError, match="unknown PII type"):
        PiiMask(types=["SSN"])


def test_masked_tokens_are_single_tokens_of_the_dolma2_tokenizer(shared_data) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(shared_data / "tokenizers" / "allenai_dolma2.json"))
    out, _ = _run(PiiMask(), [TEXT])
    vocab = tok.get_vocab()
    ids = tok.encode(out[0].text).ids
    for token in ("|||EMAIL_ADDRESS|||", "|||PHONE_NUMBER|||", "|||IP_ADDRESS|||"):
        assert vocab[token] in ids
