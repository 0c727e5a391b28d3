"""Helpers for the dedup tests: a small crawl with planted duplicates, built from real web text (shared/data/dolma).

Near-duplicates are word-substitution edits of real documents at a planted Jaccard; exact
duplicates differ only in case/whitespace; URL duplicates differ in tracking parameters,
default port or trailing slash. Ground truth for near-dups is exact shingle Jaccard over all
pairs (dolmalike.dedup.evaluate), so the real text's own near-duplicates count too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from dolmalike.core.document import Document
from dolmalike.core.hashing import doc_id_for
from dolmalike.dedup.steps import ContentDedup, MinHashDedup, ParagraphDedup, UrlDedup
from dolmalike.exec.executor import ExecConfig
from dolmalike.io.docstore import write_docs
from dolmalike.manifests.layout import RunLayout
from dolmalike.synth.rng import Rng

PARTITIONS = ("part-a", "part-b", "part-c")


@dataclass
class Crawl:
    docs: dict[str, list[Document]]
    near_dup_of: dict[str, str] = field(default_factory=dict)  # planted variant -> original
    exact_dup_of: dict[str, str] = field(default_factory=dict)
    url_dup_of: dict[str, str] = field(default_factory=dict)

    def all_docs(self) -> list[Document]:
        return [d for p in sorted(self.docs) for d in self.docs[p]]

    def texts(self) -> dict[str, str]:
        return {d.doc_id: d.text for d in self.all_docs()}

    def write(self, run_dir: Path) -> RunLayout:
        layout = RunLayout.of(run_dir)
        for p, docs in self.docs.items():
            write_docs(layout.doc_part(p), docs)
        return layout


def _edit(text: str, rng: Rng, target: float, vocab: list[str]) -> str:
    """Substitute random words so that 5-gram Jaccard lands near `target`: each substitution
    far from the others removes 5 shingles and adds 5, so J ≈ (L − 5e) / (L + 5e)."""
    tokens = text.split(" ")
    e = max(1, round(len(tokens) * (1 - target) / (5 * (1 + target))))
    for pos in rng.sample(range(len(tokens)), e):
        tokens[pos] = rng.choice(vocab)
    return " ".join(tokens)


def build_crawl(texts: list[str], seed: int = 7, n_docs: int = 360) -> Crawl:
    rng = Rng(seed, "crawl")
    vocab = sorted({w for t in texts[:50] for w in t.split() if w.isalpha()})
    base = texts[: int(n_docs * 0.7)]
    docs: list[Document] = []
    crawl = Crawl({})

    def add(text: str, url: str, key: str, day: int) -> Document:
        d = Document(
            doc_id=doc_id_for(key),
            text=text,
            url=url,
            fetch_date_raw=f"2024-05-{day:02d}T00:00:00Z",
            source="test",
        )
        docs.append(d)
        return d

    originals = [
        add(t, f"https://site{k % 40}.example/page/{k}", f"orig-{k}", 1 + rng.below(20))
        for k, t in enumerate(base)
    ]
    for k, orig in enumerate(originals):
        if k % 4 == 0:  # a near-dup group: 1-3 variants with Jaccard in [0.85, 0.99] to the original
            for v in range(1 + rng.below(3)):
                target = 0.85 + 0.14 * rng.random()
                d = add(
                    _edit(orig.text, rng, target, vocab),
                    f"https://mirror{v}.example/{k}",
                    f"near-{k}-{v}",
                    1 + rng.below(28),
                )
                crawl.near_dup_of[d.doc_id] = orig.doc_id
        elif k % 4 == 1:  # a hard negative: an edit well below the threshold
            target = 0.35 + 0.3 * rng.random()
            add(
                _edit(orig.text, rng, target, vocab),
                f"https://other.example/{k}",
                f"far-{k}",
                1 + rng.below(28),
            )
        elif k % 12 == 2:  # an exact copy up to case and whitespace
            d = add(
                "  " + orig.text.upper().replace(" ", "  \n "),
                f"https://copy.example/{k}",
                f"copy-{k}",
                1 + rng.below(28),
            )
            crawl.exact_dup_of[d.doc_id] = orig.doc_id
        elif k % 12 == 6:  # the same page re-fetched under a URL variant, with a new text
            url = (
                orig.url.replace("https://", "HTTPS://").replace(".example/", ".example:443/")
                + "/?utm_source=x#top"
            )
            other = texts[len(base) + (k // 12) % (len(texts) - len(base))]  # not a base text
            d = add(f"A different capture {k}. " + other, url, f"refetch-{k}", 1 + rng.below(28))
            crawl.url_dup_of[d.doc_id] = orig.doc_id
    for d in docs:  # spread over partitions by hash; keep a stable order inside each
        d.partition = PARTITIONS[Rng(seed, "part", d.doc_id).below(len(PARTITIONS))]
    for p in PARTITIONS:
        part = [d for d in docs if d.partition == p]
        for ordinal, d in enumerate(part):
            d.ordinal = ordinal
        crawl.docs[p] = part
    return crawl


STEPS = (UrlDedup, ContentDedup, ParagraphDedup, MinHashDedup)


def run_all(crawl, run_dir: Path, workers: int):
    layout = crawl.write(run_dir)
    parts = sorted(crawl.docs)
    for phase, cls in enumerate(STEPS, start=1):
        cls().run(layout, parts, phase, ExecConfig(workers=workers))
    return layout


def rows(layout, table_dir: str, step: str) -> list[dict]:
    out = []
    for f in sorted((layout.manifests / table_dir / step).glob("*.parquet")):
        out.extend(pq.read_table(f).to_pylist())
    return out


def clusters_of(layout, step: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows(layout, "dedup", step):
        out.setdefault(r["cluster_id"], []).append(r)
    return out
