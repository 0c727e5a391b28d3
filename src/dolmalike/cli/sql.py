"""`dolmalike sql DIR "SELECT ..."`: DuckDB over the manifests."""

from __future__ import annotations

import argparse

from dolmalike.cli.argtypes import int_at_least
from dolmalike.cli.output import add_json_flag, print_json, print_table
from dolmalike.cli.s3args import add_s3_endpoint_flag, readable_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sql",
        help="query manifests with DuckDB SQL",
        description="Run DuckDB SQL over views named after the manifest tables: documents, decisions, "
        "attributes_<tagger>, dedup, mix, tokens. DIR is a RUN_DIR or a MIX_DIR.",
    )
    p.add_argument("dir", help="RUN_DIR or MIX_DIR")
    add_s3_endpoint_flag(p)
    p.add_argument("query", nargs="?", help="SQL; omit to list the available views")
    p.add_argument(
        "--limit", type=int_at_least(0), default=200, help="rows to print in table mode (default 200)"
    )
    add_json_flag(p)
    p.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    args.dir = readable_dir(args.dir, args.s3_endpoint)
    import duckdb

    from dolmalike.core.errors import DolmalikeError
    from dolmalike.manifests.dirs import connect_any

    con = connect_any(args.dir)
    query = args.query or "SELECT table_name AS view FROM information_schema.tables ORDER BY 1"
    try:
        cur = con.execute(query)
        columns = [d[0] for d in cur.description] if cur.description else []
        rows = cur.fetchall() if columns else []
    except duckdb.Error as e:
        raise DolmalikeError(str(e).splitlines()[0]) from e
    if args.json:
        print_json([dict(zip(columns, r)) for r in rows])
    else:
        print_table(columns, rows[: args.limit])
        if len(rows) > args.limit:
            print(f"... {len(rows) - args.limit} more rows (use --limit or --json)")
    return 0
