"""Every command rejects bad numbers, ranges, paths and config values the same way: one stderr
line, exit 2, no traceback — checked on real `dolmalike` processes, as a user's shell sees them.
A second table pipes each printing command into `head -1` through a real shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dolmalike.cli.main import EXIT_BROKEN_PIPE, main

DOLMALIKE = str(Path(sys.executable).with_name("dolmalike"))

SPEC = "name: s\ninputs: {synthetic: {docs: 120, seed: 1, files: 2}}\n"
MIX = (
    "seed: 1\ntokenizer: default\ntokenizer_vocab_size: 300\nshard_tokens: 20000\nheldout_fraction: 0.1\n"
    "sources:\n  - {name: all, where: {attr: langid_v1.language, ne: zz}, sample: 1.0}\n"
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run with a mix and a 3-step training run, plus the bad files the table points at."""
    root = tmp_path_factory.mktemp("bad_inputs")
    (root / "mix.yaml").write_text(MIX)
    (root / "spec.yaml").write_text(
        SPEC + "stages: [extract, {tag: {taggers: [langid_v1]}}]\nglobal: [minhash_dedup]\nmix: ./mix.yaml\n"
    )
    assert main(["run", str(root / "spec.yaml"), "--out", str(root / "run")]) == 0
    assert (
        main(["train", str(root / "run" / "mix"), "--out", str(root / "train"), "--steps", "3", "--no-eval"])
        == 0
    )
    bad_specs = {
        "seed_abc": SPEC + "seed: abc\n",
        "seed_float": SPEC + "seed: 1.5\n",
        "minhash": SPEC + "global: [{minhash_dedup: {bands: -14, rows: 0}}]\n",
        "threshold": SPEC + "global: [{minhash_dedup: {threshold: 2}}]\n",
        "shards": SPEC + "global: [{url_dedup: {shards: 0}}]\n",
        "step_option": SPEC + "global: [{content_dedup: {nope: 1}}]\n",
        "max_record_bytes": SPEC + "max_record_bytes: -5\n",
        "doc_format": SPEC + "doc_format: xml\n",
        "synth_docs": "name: s\ninputs: {synthetic: {docs: -1}}\n",
        "synth_not_mapping": "name: s\ninputs: {synthetic: 5}\n",
        "model_dim": SPEC + "models: {q: {pos: [a], neg: [b], dim: -1}}\n",
        "unknown_key": SPEC + "sedd: 1\n",
    }
    for name, text in bad_specs.items():
        (root / f"{name}.yaml").write_text(text)
    (root / "mix_bad.yaml").write_text(MIX.replace("shard_tokens: 20000", "shard_tokens: 0"))
    (root / "train_bad.yaml").write_text("lr: -1\n")
    (root / "train_type.yaml").write_text("batch_size: lots\n")
    (root / "FILE").write_text("a file, not a directory\n")
    (root / "dir").mkdir()
    (root / "pos.jsonl").write_text('{"text": "good"}\n')
    return root


def _doc_id(world: Path) -> str:
    from dolmalike.manifests.query import connect

    return (
        connect(world / "run").execute("SELECT min(doc_id) FROM documents WHERE status='kept'").fetchone()[0]
    )


# (label, argv); R = RUN_DIR, M = its MIX_DIR, T = TRAIN_DIR, W = the fixture root, D = a kept doc_id.
BAD: list[tuple[str, list[str]]] = [
    ("synth into a file", ["synth", "W/FILE"]),
    ("synth --docs 0", ["synth", "W/x", "--docs", "0"]),
    ("synth --docs abc", ["synth", "W/x", "--docs", "abc"]),
    ("synth --files -1", ["synth", "W/x", "--files", "-1"]),
    ("synth --seed -3", ["synth", "W/x", "--seed", "-3"]),
    ("run --out FILE", ["run", "W/spec.yaml", "--out", "W/FILE"]),
    ("run --out under a file", ["run", "W/spec.yaml", "--out", "W/FILE/run"]),
    ("run --workers 0", ["run", "W/spec.yaml", "--out", "W/r", "--workers", "0"]),
    ("run missing spec", ["run", "W/nope.yaml", "--out", "W/r"]),
    ("run --bogus flag", ["run", "W/spec.yaml", "--out", "W/r", "--bogus"]),
    ("seed: abc", ["run", "W/seed_abc.yaml", "--out", "W/r"]),
    ("seed: 1.5", ["run", "W/seed_float.yaml", "--out", "W/r"]),
    ("minhash bands -14 rows 0", ["run", "W/minhash.yaml", "--out", "W/r"]),
    ("minhash threshold 2", ["run", "W/threshold.yaml", "--out", "W/r"]),
    ("url_dedup shards 0", ["run", "W/shards.yaml", "--out", "W/r"]),
    ("unknown step option", ["run", "W/step_option.yaml", "--out", "W/r"]),
    ("max_record_bytes: -5", ["run", "W/max_record_bytes.yaml", "--out", "W/r"]),
    ("doc_format: xml", ["run", "W/doc_format.yaml", "--out", "W/r"]),
    ("synthetic docs -1", ["run", "W/synth_docs.yaml", "--out", "W/r"]),
    ("synthetic: 5", ["run", "W/synth_not_mapping.yaml", "--out", "W/r"]),
    ("models dim -1", ["run", "W/model_dim.yaml", "--out", "W/r"]),
    ("unknown spec key", ["run", "W/unknown_key.yaml", "--out", "W/r"]),
    ("fetch --out FILE", ["fetch", "CC-MAIN-2024-22", "--out", "W/FILE"]),
    ("fetch --timeout -1", ["fetch", "CC-MAIN-2024-22", "--out", "W/f", "--timeout", "-1"]),
    ("fetch --timeout 0", ["fetch", "CC-MAIN-2024-22", "--out", "W/f", "--timeout", "0"]),
    ("fetch --retries -1", ["fetch", "CC-MAIN-2024-22", "--out", "W/f", "--retries", "-1"]),
    ("fetch --limit -2", ["fetch", "CC-MAIN-2024-22", "--dry-run", "--limit", "-2"]),
    ("fetch --offset -1", ["fetch", "CC-MAIN-2024-22", "--dry-run", "--offset", "-1"]),
    ("fetch --backoff -1", ["fetch", "CC-MAIN-2024-22", "--dry-run", "--backoff", "-1"]),
    ("fetch --shard 3/2", ["fetch", "CC-MAIN-2024-22", "--dry-run", "--shard", "3/2"]),
    ("fetch missing listing", ["fetch", "W/nope.paths", "--dry-run"]),
    ("fetch without --out", ["fetch", "W/nope.paths"]),
    (
        "classifier --dim -1",
        [
            "classifier",
            "train",
            "--pos",
            "W/pos.jsonl",
            "--neg",
            "W/pos.jsonl",
            "--out",
            "W/m.bin",
            "--dim",
            "-1",
        ],
    ),  # fmt: skip
    (
        "classifier --holdout 1.5",
        [
            "classifier",
            "train",
            "--pos",
            "W/pos.jsonl",
            "--neg",
            "W/pos.jsonl",
            "--out",
            "W/m.bin",
            "--holdout",
            "1.5",
        ],
    ),  # fmt: skip
    (
        "classifier --epoch 0",
        [
            "classifier",
            "train",
            "--pos",
            "W/pos.jsonl",
            "--neg",
            "W/pos.jsonl",
            "--out",
            "W/m.bin",
            "--epoch",
            "0",
        ],
    ),  # fmt: skip
    (
        "classifier --out DIR",
        ["classifier", "train", "--pos", "W/pos.jsonl", "--neg", "W/pos.jsonl", "--out", "W/dir"],
    ),  # fmt: skip
    (
        "classifier eval --threshold 2",
        [
            "classifier",
            "eval",
            "--pos",
            "W/pos.jsonl",
            "--neg",
            "W/pos.jsonl",
            "--model",
            "W/m.bin",
            "--threshold",
            "2",
        ],
    ),  # fmt: skip
    ("ablate --num-cpus -1", ["ablate", "W/spec.yaml", "--num-cpus", "-1"]),
    ("ablate missing spec", ["ablate", "W/nope.yaml"]),
    ("near-dups --limit -1", ["near-dups", "R", "D", "--limit", "-1"]),
    ("near-dups unknown doc", ["near-dups", "R", "zzzz"]),
    ("sql --limit -1", ["sql", "R", "SELECT 1", "--limit", "-1"]),
    ("sql bad column", ["sql", "R", "SELECT nope FROM documents"]),
    ("sql missing dir", ["sql", "W/nope"]),
    ("explain unknown doc", ["explain", "R", "zzzz"]),
    ("batch --step past the end", ["batch", "T", "--step", "1000000"]),
    ("batch --step -1", ["batch", "T", "--step", "-1"]),
    ("batch missing dir", ["batch", "W/nope", "--step", "0"]),
    ("tag --plugins /nonexistent", ["tag", "R", "--taggers", "langid_v1", "--plugins", "/nonexistent"]),
    ("tag unknown tagger", ["tag", "R", "--taggers", "nope_v1"]),
    ("tag --workers 0", ["tag", "R", "--taggers", "langid_v1", "--workers", "0"]),
    ("taggers --plugins /nonexistent", ["taggers", "--plugins", "/nonexistent"]),
    ("trace --shard -1", ["trace", "M", "--shard", "-1", "--start", "0", "--end", "5"]),
    ("trace missing shard", ["trace", "M", "--shard", "99", "--start", "0", "--end", "5"]),
    ("trace end before start", ["trace", "M", "--shard", "0", "--start", "10", "--end", "5"]),
    ("train --steps 0", ["train", "M", "--out", "W/t2", "--steps", "0"]),
    ("train --out FILE", ["train", "M", "--out", "W/FILE"]),
    ("train config lr -1", ["train", "M", "--out", "W/t2", "--config", "W/train_bad.yaml"]),
    ("train config bad type", ["train", "M", "--out", "W/t2", "--config", "W/train_type.yaml"]),
    ("mix --workers 0", ["mix", "R", "W/mix.yaml", "--out", "W/m2", "--workers", "0"]),
    ("mix shard_tokens 0", ["mix", "R", "W/mix_bad.yaml", "--out", "W/m2"]),
    ("mix --out FILE", ["mix", "R", "W/mix.yaml", "--out", "W/FILE"]),
    ("tokenizer --vocab-size 10", ["tokenizer", "train", "R", "--vocab-size", "10", "--out", "W/tok.json"]),
    ("tokenizer info missing", ["tokenizer", "info", "W/nope.json"]),
    ("verify missing dir", ["verify", "W/nope"]),
    ("unknown command", ["frobnicate"]),
]


def _argv(args: list[str], world: Path, doc_id: str) -> list[str]:
    where = {"R": world / "run", "M": world / "run" / "mix", "T": world / "train", "D": doc_id}
    out = []
    for a in args:
        if a in where:
            a = str(where[a])
        elif a.startswith("W/"):
            a = str(world / a[2:])
        out.append(a)
    return out


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DOLMALIKE_DEBUG"}
    return subprocess.run([DOLMALIKE, *argv], capture_output=True, text=True, timeout=300, env=env)


def test_every_bad_input_is_one_line_and_exit_2(world: Path) -> None:
    doc_id = _doc_id(world)
    argvs = [_argv(a, world, doc_id) for _, a in BAD]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_run, argvs))
    failures = []
    for (label, _), r in zip(BAD, results):
        lines = r.stderr.strip().splitlines()
        if (
            r.returncode != 2
            or len(lines) != 1
            or "Traceback" in r.stderr
            or not lines[0].startswith("dolmalike")
        ):
            failures.append(f"{label}: rc={r.returncode} stderr={r.stderr.strip()[-300:]!r}")
    assert not failures, "\n".join(failures)
    assert len(BAD) >= 40
    # nothing was created by a rejected command
    assert not any((world / n).exists() for n in ("x", "r", "f", "m.bin", "t2", "m2", "tok.json"))


def _pipe_cases(world: Path, doc_id: str) -> list[str]:
    r, m, t = world / "run", world / "run" / "mix", world / "train"
    return [
        f"trace {m} --shard 0 --start 0 --end 5000 --text",
        f"trace {m} --shard 0 --start 0 --end 5000 --json",
        f"sql {r} 'SELECT * FROM documents'",
        f"sql {r} 'SELECT * FROM documents' --json",
        f"explain {r} {doc_id}",
        f"explain {r} {doc_id} --json",
        f"near-dups {r} {doc_id} --json",
        f"batch {t} --step 0 --ids",
        f"batch {t} --step 0 --json",
        "taggers",
        f"verify {r}",
    ]


def _pipe(case: str) -> tuple[str, str, str]:
    # `| head -1` as users type it, and `| true`, whose reader is gone before the command even
    # starts writing, so the closed-pipe path is taken for certain (status must be 141 there).
    script = (
        f"{DOLMALIKE} {case} | head -1 > /dev/null; echo head=${{PIPESTATUS[0]}}; "
        f"{DOLMALIKE} {case} | true; echo true=${{PIPESTATUS[0]}}"
    )
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300)
    return case, r.stdout, r.stderr


def test_closed_stdout_ends_quietly_for_every_printing_command(world: Path) -> None:
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(_pipe, _pipe_cases(world, _doc_id(world))))
    failures = []
    for case, out, err in results:
        status = dict(line.split("=") for line in out.split())
        if (
            status["head"] not in ("0", str(EXIT_BROKEN_PIPE))
            or status["true"] != str(EXIT_BROKEN_PIPE)
            or "Traceback" in err
            or "Error" in err
        ):
            failures.append(f"{case}: {status} {err.strip()[-300:]!r}")
    assert not failures, "\n".join(failures)


def test_input_takes_several_paths_after_one_flag_and_repeats(world: Path, capsys) -> None:
    crawl = sorted((world / "run" / "input").glob("*.warc.gz"))
    assert len(crawl) == 2
    (world / "plain.yaml").write_text("name: plain\ninputs: [nothing-here]\nstages: [extract]\n")
    out = world / "several"
    argv = [
        "run",
        str(world / "plain.yaml"),
        "--out",
        str(out),
        "--json",
        "--input",
        str(crawl[0]),
        str(crawl[1]),
    ]
    assert main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["partitions"] == 2 and summary["input_records"] == 120
    from dolmalike.cli.main import build_parser

    args = build_parser().parse_args(["run", "s.yaml", "--out", "o", "--input", "a", "b", "--input", "c"])
    assert args.input == ["a", "b", "c"]
