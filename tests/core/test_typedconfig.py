"""core.typedconfig: one checker for config values' types and ranges."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from dolmalike.core.errors import DolmalikeError
from dolmalike.core.typedconfig import as_float, as_int, bounded, check_instance, checked


@dataclass(frozen=True)
class Cfg:
    n: int = bounded(1, ge=1)
    p: float = bounded(0.5, gt=0, le=1)
    cap: int | None = bounded(None, ge=0)
    kind: str = bounded("a", choices=("a", "b"))
    flag: bool = False
    labels: tuple[str, str] = ("x", "y")


def test_converts_only_the_keys_given() -> None:
    assert checked(Cfg, {"n": 3.0, "p": 1, "labels": ["a", "b"]}, "cfg") == {
        "n": 3,
        "p": 1.0,
        "labels": ("a", "b"),
    }
    assert checked(Cfg, {}, "cfg") == {}
    assert checked(Cfg, {"cap": None}, "cfg") == {"cap": None}


@pytest.mark.parametrize(
    "values, message",
    [
        ({"n": 0}, "cfg: `n` must be an integer >= 1 (got 0)"),
        ({"n": "abc"}, "cfg: `n` must be an integer (got 'abc')"),
        ({"n": True}, "`n` must be an integer"),
        ({"n": 1.5}, "`n` must be an integer"),
        ({"p": 0}, "`p` must be a number > 0 and <= 1 (got 0)"),
        ({"p": float("nan")}, "`p` must be a number"),
        ({"cap": -1}, "`cap` must be an integer >= 0"),
        ({"kind": "c"}, "`kind` must be one of a, b"),
        ({"flag": "yes"}, "`flag` must be true or false"),
        ({"labels": ["a"]}, "`labels` must have 2 items"),
        ({"labels": [1, 2]}, "`labels` must be a list of strings"),
        ({"nope": 1}, "cfg: unknown option(s) nope; valid: n, p, cap, kind, flag, labels"),
    ],
)
def test_bad_values_name_the_field(values: dict, message: str) -> None:
    with pytest.raises(DolmalikeError) as e:
        checked(Cfg, values, "cfg")
    assert message in str(e.value)


def test_check_instance_validates_a_built_object() -> None:
    check_instance(Cfg(), "cfg")
    with pytest.raises(DolmalikeError, match="`n` must be an integer >= 1"):
        check_instance(Cfg(n=-1), "cfg")


def test_scalar_helpers() -> None:
    assert as_int(4.0, "k", 1, 10) == 4
    assert as_float(3, "f", 0, 3) == 3.0
    with pytest.raises(DolmalikeError, match=r"`k` must be an integer >= 1 and <= 10 \(got 11\)"):
        as_int(11, "k", 1, 10)
