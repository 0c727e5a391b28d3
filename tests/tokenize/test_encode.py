import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dolmalike.core.document import Document
from dolmalike.io.docstore import write_docs
from dolmalike.tokenize.encode import BATCH_DOCS, tokenize_partition
from dolmalike.tokenize.tokenizer import load_tokenizer


def test_several_batches_keep_document_order(shared_data, tmp_path):
    """More documents than one encode batch: the overlapped batches land in docs-file order."""
    info = load_tokenizer(shared_data / "tokenizers" / "gpt2.json")
    n = 2 * BATCH_DOCS + 37
    docs = [
        Document(
            f"d{k}", text=("" if k % 97 == 0 else f"doc {k}: " + "word " * (k % 13)), partition="p", ordinal=k
        )
        for k in range(n)
    ]
    write_docs(tmp_path / "p.parquet", docs)
    wanted = pa.array([d.doc_id for d in docs if d.ordinal % 5 != 3])
    work = tmp_path / "work"
    work.mkdir()
    got = tokenize_partition(
        tmp_path / "p.parquet", wanted, info.path, info.sha256, info.vocab_size, info.dtype, work, "p", "key"
    )
    table = pq.read_table(work / "p.docs.parquet").to_pydict()
    assert got == len(wanted) and table["doc_id"] == wanted.to_pylist()
    ids = np.fromfile(work / "p.ids", dtype=info.dtype)
    tok = info.tokenizer
    by_id = {d.doc_id: d.text for d in docs}
    for doc_id, start, end in zip(table["doc_id"], table["start"], table["end"]):
        expected = tok.encode(by_id[doc_id], add_special_tokens=False).ids
        assert ids[start:end].tolist() == expected
    assert table["end"][-1] == len(ids) and (work / "p.key").read_text() == "key"
