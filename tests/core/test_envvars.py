import os

from dolmalike.core.envvars import scoped_env

NAME = "DOLMALIKE_TEST_SCOPED_ENV"


def test_set_inside_and_restored_after(monkeypatch):
    monkeypatch.setenv(NAME, "before")
    with scoped_env(NAME, "inside"):
        assert os.environ[NAME] == "inside"
    assert os.environ[NAME] == "before"


def test_an_unset_variable_is_unset_again_even_after_an_error(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    try:
        with scoped_env(NAME, "inside"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert NAME not in os.environ


def test_none_leaves_the_variable_alone(monkeypatch):
    monkeypatch.setenv(NAME, "before")
    with scoped_env(NAME, None):
        os.environ[NAME] = "changed inside"
    assert os.environ[NAME] == "changed inside"
