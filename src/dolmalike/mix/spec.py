"""Mix specs: YAML -> typed `MixSpec` (structure only; names are checked against a run in compile.py).

```yaml
seed: 1234
tokenizer: default          # "default" (train a byte-level BPE on the run) or a tokenizer.json path
tokenizer_vocab_size: 8192  # only for "default"
eos_token: <|endoftext|>    # optional; detected when the tokenizer has <|endoftext|>
shard_tokens: 1048576
heldout_fraction: 0.05      # hash_unit(seed, doc_id, "heldout") < f  ->  MIX_DIR/heldout
total_tokens: 1000000       # optional; what `proportion` is a share of
sources:                    # a document matching several sources goes to the FIRST one
  - name: english_hq
    where: {all: [{attr: langid_v1.language, eq: en}, {attr: gopher_quality_v1.passes, eq: true}]}
    target_tokens: 200000   # exactly one of target_tokens | proportion | repeat | sample (none = repeat: 1)
  - name: other
    sql: "attributes_langid_v1.language <> 'en'"    # raw WHERE fragment instead of `where`
    proportion: 0.4
```

Rules: a leaf is `{attr: NAME, OP: VALUE}` with OP in eq, ne, lt, le, gt, ge, in, not_in, contains,
regex, is_null; combinators are `{all: [...]}`, `{any: [...]}`, `{not: rule}`. NAME is
`<tagger>.<column>` (view attributes_<tagger>), `documents.<column>` or a bare documents column
such as `url`, or `dedup.<column>`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.names import safe_name
from dolmalike.core.typedconfig import as_float, as_int
from dolmalike.io.yamlfile import load_yaml_mapping

COMPARE_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
LIST_OPS = ("in", "not_in")
TEXT_OPS = ("contains", "regex")
LEAF_OPS = (*COMPARE_OPS, *LIST_OPS, *TEXT_OPS, "is_null")
BUDGET_KEYS = ("target_tokens", "proportion", "repeat", "sample")
SPEC_KEYS = (
    "seed",
    "tokenizer",
    "tokenizer_vocab_size",
    "tokenizer_train_chars",
    "eos_token",
    "shard_tokens",
    "heldout_fraction",
    "total_tokens",
    "sources",
)
# the default tokenizer trains on at most about this much of the run's kept text (tokenize/train_bpe.py)
DEFAULT_TRAIN_CHARS = 4_000_000
SOURCE_KEYS = ("name", "where", "sql", *BUDGET_KEYS)


@dataclass(frozen=True)
class Leaf:
    attr: str
    op: str
    value: Any

    def text(self) -> str:
        return f"{self.attr} {self.op} {json.dumps(self.value, ensure_ascii=False)}"


@dataclass(frozen=True)
class Combo:
    kind: str  # all | any | not
    rules: tuple[Rule, ...]

    def text(self) -> str:
        return f"{self.kind}({', '.join(r.text() for r in self.rules)})"


Rule = Leaf | Combo


@dataclass(frozen=True)
class Budget:
    kind: str  # target_tokens | proportion | repeat | sample
    value: float


@dataclass(frozen=True)
class SourceSpec:
    name: str
    where: Rule | None = None
    sql: str | None = None
    budget: Budget = Budget("repeat", 1.0)

    def rule_text(self) -> str:
        """Human-readable rule, recorded in the `mix` manifest's `rule` column."""
        if self.sql is not None:
            return f"sql: {self.sql}"
        return self.where.text() if self.where is not None else "all kept documents"


@dataclass(frozen=True)
class MixSpec:
    sources: tuple[SourceSpec, ...]
    seed: int | None = None  # None: derived from the pipeline's seed (runner.build_mix), else 0
    tokenizer: str = "default"
    tokenizer_vocab_size: int = 8192
    tokenizer_train_chars: int = DEFAULT_TRAIN_CHARS  # the default tokenizer's training sample
    eos_token: str | None = None
    shard_tokens: int = 1 << 20
    heldout_fraction: float = 0.0
    total_tokens: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "tokenizer": self.tokenizer,
            "tokenizer_vocab_size": self.tokenizer_vocab_size,
            "tokenizer_train_chars": self.tokenizer_train_chars,
            "eos_token": self.eos_token,
            "shard_tokens": self.shard_tokens,
            "heldout_fraction": self.heldout_fraction,
            "total_tokens": self.total_tokens,
            "sources": [
                {
                    "name": s.name,
                    "rule": s.rule_text(),
                    "where": rule_to_dict(s.where) if s.where is not None else None,
                    "sql": s.sql,
                    s.budget.kind: s.budget.value,
                }
                for s in self.sources
            ],
        }


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    if isinstance(rule, Leaf):
        return {"attr": rule.attr, rule.op: rule.value}
    if rule.kind == "not":
        return {"not": rule_to_dict(rule.rules[0])}
    return {rule.kind: [rule_to_dict(r) for r in rule.rules]}


def load_spec(path: str | Path) -> MixSpec:
    path = Path(path)
    raw = load_yaml_mapping(path, "mix spec")
    try:
        return parse_spec(raw)
    except DolmalikeError as e:
        raise DolmalikeError(f"{path}: {e}") from e


def parse_spec(raw: Any) -> MixSpec:
    if not isinstance(raw, dict):
        raise DolmalikeError("a mix spec must be a mapping")
    _check_keys(raw, SPEC_KEYS, "mix spec")
    sources_raw = raw.get("sources")
    if not isinstance(sources_raw, list) or not sources_raw:
        raise DolmalikeError("`sources` must be a non-empty list")
    sources = tuple(_parse_source(s, i) for i, s in enumerate(sources_raw))
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise DolmalikeError(f"duplicate source names: {', '.join(dupes)}")
    spec = MixSpec(
        sources=sources,
        seed=as_int(raw["seed"], "seed") if raw.get("seed") is not None else None,
        tokenizer=str(raw.get("tokenizer", "default")),
        tokenizer_vocab_size=as_int(raw.get("tokenizer_vocab_size", 8192), "tokenizer_vocab_size", lo=258),
        tokenizer_train_chars=as_int(
            raw.get("tokenizer_train_chars", DEFAULT_TRAIN_CHARS), "tokenizer_train_chars", lo=1
        ),
        eos_token=str(raw["eos_token"]) if raw.get("eos_token") is not None else None,
        shard_tokens=as_int(raw.get("shard_tokens", 1 << 20), "shard_tokens", lo=1),
        heldout_fraction=as_float(raw.get("heldout_fraction", 0.0), "heldout_fraction", 0.0, 1.0),
        total_tokens=as_int(raw["total_tokens"], "total_tokens", lo=1)
        if raw.get("total_tokens") is not None
        else None,
    )
    _check_proportions(spec)
    return spec


def _parse_source(raw: Any, index: int) -> SourceSpec:
    if not isinstance(raw, dict):
        raise DolmalikeError(f"sources[{index}] must be a mapping")
    name = raw.get("name")
    where = f"sources[{index}]" + (f" ({name})" if name else "")
    _check_keys(raw, SOURCE_KEYS, where)
    safe_name(name, f"{where}: source")  # becomes a file name: manifests/mix/<name>.parquet
    if "where" in raw and "sql" in raw:
        raise DolmalikeError(f"{where}: give either `where` or `sql`, not both")
    rule = _parse_rule(raw["where"], f"{where}.where") if raw.get("where") is not None else None
    sql = None
    if raw.get("sql") is not None:
        sql = str(raw["sql"]).strip()
        if not sql or ";" in sql:
            raise DolmalikeError(f"{where}: `sql` must be one non-empty WHERE fragment without ';'")
    budgets = [k for k in BUDGET_KEYS if raw.get(k) is not None]
    if len(budgets) > 1:
        raise DolmalikeError(
            f"{where}: give at most one of {', '.join(BUDGET_KEYS)} (got {', '.join(budgets)})"
        )
    budget = Budget("repeat", 1.0)
    if budgets:
        kind = budgets[0]
        if kind == "target_tokens":
            value = float(as_int(raw[kind], f"{where}.target_tokens", lo=0))
        elif kind in ("proportion", "sample"):
            value = as_float(raw[kind], f"{where}.{kind}", 0.0, 1.0)
        else:
            value = as_float(raw[kind], f"{where}.repeat", 0.0, None)
        budget = Budget(kind, value)
    return SourceSpec(name=name, where=rule, sql=sql, budget=budget)


def _parse_rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict) or not raw:
        raise DolmalikeError(f"{where}: a rule must be a mapping like {{attr: NAME, eq: VALUE}}")
    if "attr" in raw:
        ops = [k for k in raw if k != "attr"]
        if len(ops) != 1 or ops[0] not in LEAF_OPS:
            raise DolmalikeError(
                f"{where}: a rule needs `attr` and exactly one operator of {', '.join(LEAF_OPS)} (got {ops})"
            )
        op, value = ops[0], raw[ops[0]]
        if not isinstance(raw["attr"], str) or not raw["attr"]:
            raise DolmalikeError(f"{where}: `attr` must be a name like langid_v1.language")
        if op in LIST_OPS:
            if not isinstance(value, list) or any(isinstance(v, (list, dict)) for v in value):
                raise DolmalikeError(f"{where}: `{op}` needs a list of scalar values")
            value = tuple(value)
        elif op == "is_null":
            if not isinstance(value, bool):
                raise DolmalikeError(f"{where}: `is_null` takes true or false")
        elif op in TEXT_OPS:
            if not isinstance(value, str):
                raise DolmalikeError(f"{where}: `{op}` needs a string")
            if op == "regex":
                try:
                    re.compile(value)
                except re.error as e:
                    raise DolmalikeError(f"{where}: invalid regex {value!r}: {e}") from e
        elif value is None or isinstance(value, (list, dict)):
            raise DolmalikeError(f"{where}: `{op}` needs a scalar value (use is_null for missing values)")
        return Leaf(raw["attr"], op, value)
    if len(raw) != 1:
        raise DolmalikeError(
            f"{where}: a combinator has exactly one key: all, any or not (got {sorted(raw)})"
        )
    kind, body = next(iter(raw.items()))
    if kind == "not":
        return Combo("not", (_parse_rule(body, f"{where}.not"),))
    if kind in ("all", "any"):
        if not isinstance(body, list) or not body:
            raise DolmalikeError(f"{where}: `{kind}` needs a non-empty list of rules")
        return Combo(kind, tuple(_parse_rule(r, f"{where}.{kind}[{i}]") for i, r in enumerate(body)))
    raise DolmalikeError(f"{where}: unknown rule key {kind!r}; valid: attr, all, any, not")


def _check_proportions(spec: MixSpec) -> None:
    props = [s.budget.value for s in spec.sources if s.budget.kind == "proportion"]
    if not props:
        return
    total = sum(props)
    fixed = len(props) < len(spec.sources)
    if spec.total_tokens is None and fixed and total >= 1.0:
        raise DolmalikeError(
            f"proportions sum to {total:g}; with other sources fixing their own token counts and no "
            "total_tokens they must sum to less than 1"
        )
    if spec.total_tokens is None and not fixed and abs(total - 1.0) > 1e-6:
        raise DolmalikeError(f"proportions sum to {total:g}; without total_tokens they must sum to 1")


def _check_keys(raw: dict, valid: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(raw) - set(valid))
    if unknown:
        raise DolmalikeError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(valid)}")
