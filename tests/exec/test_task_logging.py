import os
import sys

from loguru._better_exceptions import ExceptionFormatter

from dolmalike.exec.task_logging import memoize_loguru_lib_dirs


def test_memoized_lib_dirs_equal_loguru_own_and_follow_sys_path(monkeypatch):
    # Start from loguru's own hook (an earlier run_tasks in this process may have memoized it);
    # monkeypatch puts back whatever was there after the test.
    hook = ExceptionFormatter.__dict__["_get_lib_dirs"].__func__
    monkeypatch.setattr(ExceptionFormatter, "_get_lib_dirs", staticmethod(getattr(hook, "__wrapped__", hook)))
    original = ExceptionFormatter._get_lib_dirs
    expected = original()
    assert expected, "loguru found no library directories to compare with"
    memoize_loguru_lib_dirs()
    memoize_loguru_lib_dirs()  # twice: still one memo, not a memo of a memo
    memo = ExceptionFormatter._get_lib_dirs
    assert memo is not original and memo.memoized
    assert ExceptionFormatter()._lib_dirs == expected
    ExceptionFormatter()._lib_dirs.append("x")  # each formatter gets its own copy
    assert memo() == expected
    # another sys.path is another answer: a lib dir that leaves sys.path is no longer listed
    site = next(p for p in sys.path if os.path.abspath(p).lower() + os.sep in expected)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != site])
    assert memo() == original() != expected
