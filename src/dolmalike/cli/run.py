"""`dolmalike run SPEC --out RUN_DIR`: build a tagged, deduplicated corpus with full lineage."""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from dolmalike.cli.argtypes import int_at_least, out_dir
from dolmalike.cli.output import add_json_flag, print_json
from dolmalike.cli.s3args import add_s3_endpoint_flag, shown

if TYPE_CHECKING:
    from dolmalike.exec.slurm import SlurmOptions


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a pipeline spec (resumable)",
        description="Run a declarative pipeline spec. Re-running the same command resumes: finished "
        "partitions are skipped, unfinished ones are redone from scratch.",
    )
    p.add_argument("spec", help="pipeline YAML, e.g. pipelines/demo.yaml")
    p.add_argument("--out", required=True, type=out_dir, help="run directory (created if missing)")
    p.add_argument(
        "--input",
        action="extend",
        nargs="+",
        metavar="PATH",
        help="override the spec's inputs: local paths, directories, globs or URLs (several after one "
        "--input, and repeatable)",
    )
    p.add_argument("--workers", type=int_at_least(1), default=1, help="parallel tasks (default 1)")
    p.add_argument(
        "--executor",
        choices=("local", "ray", "slurm"),
        default="local",
        help="datatrove executor that places the tasks (default local)",
    )
    p.add_argument(
        "--ray-address",
        metavar="HOST:PORT",
        help="--executor ray: the cluster's head (default: $RAY_ADDRESS, else a local Ray is started)",
    )
    slurm = p.add_argument_group("slurm", "sbatch settings for --executor slurm (default: the cluster's own)")
    slurm.add_argument("--slurm-partition", metavar="NAME", help="partition to submit to")
    slurm.add_argument("--slurm-time", metavar="LIMIT", help="time limit per task, e.g. 2:00:00")
    slurm.add_argument(
        "--slurm-cpus", type=int_at_least(1), default=1, metavar="N", help="CPUs per task (default 1)"
    )
    slurm.add_argument("--slurm-mem", type=int_at_least(1), metavar="GB", help="memory per CPU in GB")
    slurm.add_argument("--slurm-qos", metavar="NAME", help="quality of service")
    p.add_argument("--force", action="store_true", help="rebuild RUN_DIR if it was built with another config")
    p.add_argument(
        "--retries",
        type=int_at_least(0),
        default=5,
        help="further attempts per failed request to an http(s)/s3 input, resuming with Range (default 5)",
    )
    add_s3_endpoint_flag(p)
    add_json_flag(p)
    p.set_defaults(func=handle)


def _slurm_options(args: argparse.Namespace) -> SlurmOptions:
    from dolmalike.exec.slurm import SlurmOptions

    return SlurmOptions(
        partition=args.slurm_partition,
        time=args.slurm_time,
        cpus_per_task=args.slurm_cpus,
        mem_per_cpu_gb=args.slurm_mem,
        qos=args.slurm_qos,
    )


def handle(args: argparse.Namespace) -> int:
    from dolmalike.exec.executor import ExecConfig
    from dolmalike.fetch.resumable import ReadPolicy
    from dolmalike.manifests.query import connect
    from dolmalike.runner.pipeline import run_pipeline
    from dolmalike.runner.spec import load_spec

    spec = load_spec(args.spec, args.input)
    from dolmalike.fetch.s3 import resolve_endpoint

    _export_s3_endpoint(args.s3_endpoint or resolve_endpoint() or spec.s3_endpoint)
    if args.ray_address and args.executor != "ray":
        from dolmalike.core.errors import DolmalikeError

        raise DolmalikeError("--ray-address needs --executor ray")
    if args.executor == "ray":
        from dolmalike.exec.ray_tasks import check_ray_address

        check_ray_address(args.ray_address)  # before RUN_DIR is touched: a dead address leaves nothing
    t0 = time.perf_counter()
    remote = _s3_out(args.out)
    run_dir = remote.pull_if_absent() if remote is not None else args.out
    result = run_pipeline(
        spec,
        run_dir,
        ExecConfig(
            kind=args.executor,
            workers=args.workers,
            slurm=_slurm_options(args),
            ray_address=args.ray_address,
        ),
        force=args.force,
        read_policy=ReadPolicy(retries=args.retries),
    )
    if result.unfinished:
        return _report_unfinished(args, spec.name, result)
    if remote is not None:
        remote.push()
    elapsed = time.perf_counter() - t0
    url = args.out.rstrip("/") if remote is not None else str(result.run_dir)
    con = connect(result.run_dir)
    by_stage = con.execute(
        "SELECT status, stage, count(*) AS n FROM documents GROUP BY ALL ORDER BY status, n DESC"
    ).fetchall()

    def show(path: Any) -> str:
        return shown(str(path), result.run_dir, url) if remote is not None else str(path)

    summary = {
        "run_dir": show(result.run_dir),
        "partitions": len(result.partitions),
        **result.counts,
        "by_status_stage": [{"status": s, "stage": g, "n": n} for s, g, n in by_stage],
        "receipt": show(result.receipt),
        "mix_dir": show(result.mix_dir) if result.mix_dir else None,
        "seconds": round(elapsed, 2),
    }
    if args.json:
        print_json(summary)
        return 0
    c = result.counts
    print(
        f"run {spec.name}: {len(result.partitions)} input files, {c['input_records']} input records "
        f"in {elapsed:.1f}s"
    )
    print(
        f"  kept {c['kept']}  dropped {c['dropped']}  error {c['error']}  "
        f"(sum {c['kept'] + c['dropped'] + c['error']})"
    )
    for s, g, n in by_stage:
        print(f"    {s:8s} {g:20s} {n}")
    print(f"outputs:  {show(result.run_dir)}/docs  {show(result.run_dir)}/manifests")
    print(f"receipt:  {show(result.receipt)}")
    if remote is not None:
        print(f"          published to {url} (local copy {result.run_dir})")
    if result.mix_dir:
        print(f"shards:   {show(result.mix_dir)}/shards")
    from dolmalike.runner.hints import next_steps

    print("try:")
    for line in next_steps(result.run_dir, result.mix_dir):
        print(f"  {show(line)}")
    return 0


def _export_s3_endpoint(endpoint: str | None) -> None:
    """--s3-endpoint (or the spec's s3_endpoint) reaches every S3 client of the run, readers in
    worker processes included, as $DOLMALIKE_S3_ENDPOINT (set before any worker starts)."""
    import os

    from dolmalike.fetch.s3 import ENDPOINT_ENV

    if endpoint:
        os.environ[ENDPOINT_ENV] = endpoint


def _s3_out(out: str) -> Any:
    """The S3Dir for `--out s3://...` (bucket and credentials checked now), else None."""
    from dolmalike.io.cachedirs import is_s3_url

    if not is_s3_url(out):
        return None
    from dolmalike.fetch.s3dir import S3Dir

    d = S3Dir(out)
    d.check()
    return d


def _report_unfinished(args: argparse.Namespace, name: str, result: Any) -> int:
    """Records were lost: say which inputs, how, and that a rerun retries them; exit 1."""
    lost = result.unfinished
    if args.json:
        print_json(
            {
                "run_dir": str(result.run_dir),
                "partitions": len(result.partitions),
                "complete": False,
                "records_lost": True,
                "unfinished": [{"partition": p, "reason": r} for p, r in sorted(lost.items())],
            }
        )
        return 1
    print(
        f"run {name}: INCOMPLETE, records lost: {len(lost)} of {len(result.partitions)} input files "
        "could not be read to the end",
        file=sys.stderr,
    )
    for p, reason in sorted(lost.items()):
        print(f"  {p}: {reason}", file=sys.stderr)
    print(
        "  global steps, mix and receipt were not run; rerun the same command to read these files again",
        file=sys.stderr,
    )
    return 1
