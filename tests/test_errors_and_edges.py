"""One error hierarchy, configuration read at the edge, the job-draining helper, and one verdict type.

- Only ``HashviewError``s are a user's errors: one line and exit 2 on the command
  line. A ``ValueError`` from a bug inside training used to become a one-line
  ``LibraryError`` (``hashview eval``: a ``DataError``) with no traceback; it now
  reaches the caller as itself.
- The ``HASHVIEW_*`` variables are read by ``cli.py`` and ``app.py`` only
  (``RuntimeOptions.from_environ``) and passed down; the engine never reads them.
- ``events.drain`` runs a job to its end; ``Verdict`` is "same" / "different".
"""

from __future__ import annotations

import json
import traceback

import numpy as np
import pytest
from imagefactory import make_library, make_near_duplicate

from hashview.cli import main
from hashview.core.errors import DataError, HashviewError, LibraryError, OptionError
from hashview.core.events import Finished, Progress, drain
from hashview.core.library import Library
from hashview.core.runtime import RuntimeOptions
from hashview.core.train.pipeline import TrainOptions

TINY_DUPNET = {"method": "dupnet", "bits": 16, "input_size": 32, "epochs": 1, "batch_size": 4, "device": "cpu"}


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    make_library(root, classes={}, loose=6, size=(48, 36))
    return root


@pytest.fixture
def indexed(photos):
    with Library.open(photos) as library:
        drain(library.index())
    return photos


# ------------------------------------------------------------------ the error hierarchy
def test_every_error_a_user_can_cause_is_a_hashview_error_and_keeps_its_other_bases():
    from hashview.core.catalog.faults import CatalogError
    from hashview.core.duplicates.cleanup import TrashRefused
    from hashview.core.events import Cancelled
    from hashview.core.images.decode import BadImageError
    from hashview.core.images.safe_open import FileTooLarge, NotARegularFile
    from hashview.core.methods import UnknownMethodError
    from hashview.core.nets.backbones import BackboneError
    from hashview.core.nets.device import DeviceError
    from hashview.core.nets.network_file import NetworkFileError
    from hashview.core.nets.shelf import NetworkNotFound
    from hashview.core.train import evaluation, pipeline

    for error in (
        LibraryError,
        OptionError,
        DataError,
        CatalogError,
        TrashRefused,
        BadImageError,
        FileTooLarge,
        NotARegularFile,
        UnknownMethodError,
        BackboneError,
        DeviceError,
        NetworkFileError,
        NetworkNotFound,
    ):
        assert issubclass(error, HashviewError), error
    # the bases callers catch them by, as before
    assert issubclass(OptionError, LibraryError) and issubclass(OptionError, ValueError)
    assert issubclass(DataError, ValueError) and issubclass(UnknownMethodError, ValueError)
    assert issubclass(NetworkNotFound, LookupError)
    assert issubclass(NotARegularFile, OSError) and issubclass(FileTooLarge, OSError)
    # where they were defined, they still are
    assert pipeline.OptionError is OptionError and evaluation.DataError is DataError
    # cancelling is the user's wish, not an error of theirs
    assert not issubclass(Cancelled, HashviewError)


def test_a_bug_in_training_reaches_the_caller_as_itself_with_its_traceback(indexed, monkeypatch):
    """It used to be a one-line LibraryError (``from None``): the bug's place was lost."""
    from hashview.core.methods import hasher

    def buggy_build(*args, **kwargs):
        raise ValueError("an index out of step: a bug")

    monkeypatch.setattr(hasher, "shallow_hasher_from_fit", buggy_build)
    with Library.open(indexed) as library, pytest.raises(ValueError) as caught:
        drain(library.train(TrainOptions(method="lsh", bits=16)))
    assert not isinstance(caught.value, HashviewError)
    assert "buggy_build" in "".join(traceback.format_exception(caught.value))


def test_a_bug_in_training_is_not_turned_into_bad_input_by_the_command_line(indexed, monkeypatch, capsys):
    from hashview.core.methods import hasher

    def buggy_build(*args, **kwargs):
        raise ValueError("an index out of step: a bug")

    monkeypatch.setattr(hasher, "shallow_hasher_from_fit", buggy_build)
    with pytest.raises(ValueError, match="a bug"):
        main(["train", str(indexed), "--method", "lsh", "--bits", "16"])
    assert "hashview: an index out of step" not in capsys.readouterr().err


def test_a_bug_in_a_deep_fit_is_not_a_data_error_in_eval(tmp_path, monkeypatch):
    from hashview.core.methods import deep
    from hashview.core.train.evaluation import EvalOptions, evaluate_method

    def buggy_fit(*args, **kwargs):
        raise ValueError("shapes do not broadcast: a bug")
        yield  # a generator, as fit_deep is

    monkeypatch.setattr(deep, "fit_deep", buggy_fit)
    rng = np.random.default_rng(0)
    np.savez(
        tmp_path / "toy.npz", x_train=rng.integers(0, 256, (240, 8, 8, 1), dtype=np.uint8), y_train=np.arange(240) % 2
    )
    with pytest.raises(ValueError, match="a bug") as caught:
        drain(evaluate_method(tmp_path / "toy.npz", EvalOptions(method="ddh", bits=16, epochs=1, device="cpu")))
    assert not isinstance(caught.value, DataError)


def test_a_users_error_deep_in_training_stays_a_library_error(indexed):
    """An option the method cannot take is refused by the run; another subsystem's error is wrapped, cause kept."""
    from hashview.core.nets.device import DeviceError

    with (
        Library.open(indexed, runtime=RuntimeOptions(params={"veiws": 3})) as library,
        pytest.raises(OptionError, match=r"^dupnet has no parameter veiws"),
    ):
        drain(library.train(TrainOptions(**TINY_DUPNET)))
    with (
        Library.open(indexed) as library,
        pytest.raises(LibraryError, match="MPS was asked for but is not available") as caught,
    ):
        drain(library.train(TrainOptions(**{**TINY_DUPNET, "device": "mps"})))
    assert isinstance(caught.value.__cause__, DeviceError)  # the library's one error type, its cause behind it


def test_any_hashview_error_that_reaches_the_command_line_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    """main() catches the base, not a hand-kept list (a NetworkFileError here was a traceback)."""
    from hashview.core.nets.network_file import NetworkFileError

    def refuse(*args, **kwargs):
        raise NetworkFileError("net.pt is damaged or was altered: train again\nmore detail")

    monkeypatch.setattr(Library, "open", refuse)
    assert main(["index", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "hashview: net.pt is damaged or was altered: train again\n"


# ------------------------------------------------------------------ configuration at the edge
def test_runtime_options_from_an_environment():
    assert RuntimeOptions.from_environ({}) == RuntimeOptions()
    assert RuntimeOptions().run_options() == {}
    got = RuntimeOptions.from_environ(
        {
            "HASHVIEW_PARAMS": '{"views": 3}',
            "HASHVIEW_DUPNET_SECONDS": "12.5",
            "HASHVIEW_CPU_BF16": "0",
            "HASHVIEW_NO_KERNEL": "1",
            "OTHER": "x",
        }
    )
    assert got == RuntimeOptions(params={"views": 3}, dupnet_seconds=12.5, cpu_bf16=False, kernel="numpy")
    assert got.run_options() == {"overrides": {"views": 3}, "budget_s": 12.5, "cpu_bf16": False}
    # as documented: only 1 and 0 choose bfloat16; NO_KERNEL "" and "0" leave the kernel on
    assert RuntimeOptions.from_environ({"HASHVIEW_CPU_BF16": "yes", "HASHVIEW_NO_KERNEL": "0"}) == RuntimeOptions()
    for name, bad in [("HASHVIEW_PARAMS", "views=3"), ("HASHVIEW_DUPNET_SECONDS", "nan")]:
        with pytest.raises(OptionError, match=f"^{name}"):
            RuntimeOptions.from_environ({name: bad})


def test_the_engine_does_not_read_the_environment_the_library_takes_its_options(indexed, monkeypatch):
    """The same bad variable that stops ``hashview train`` changes nothing for a library opened with options."""
    monkeypatch.setenv("HASHVIEW_PARAMS", '{"no_such_parameter": 1}')
    few_steps = RuntimeOptions(params={"min_steps": 2, "passes": 0.0})
    with Library.open(indexed, runtime=few_steps) as library:
        summary = drain(library.train(TrainOptions(**TINY_DUPNET)))
        info = library.networks.get(summary["network"])
    assert info.stats["params"]["min_steps"] == 2
    assert "runtime" not in info.config["options"]  # the network file records the options as before


def test_hashview_params_reaches_a_training_run_through_the_command_line(indexed, monkeypatch, capsys):
    monkeypatch.setenv("HASHVIEW_PARAMS", json.dumps({"min_steps": 3, "passes": 0.0}))
    argv = [
        "train",
        str(indexed),
        "--method",
        "dupnet",
        "--bits",
        "16",
        "--input-size",
        "32",
        "--epochs",
        "1",
        "--batch-size",
        "4",
        "--device",
        "cpu",
        "--json",
    ]
    assert main(argv) == 0
    network = json.loads(capsys.readouterr().out)["network"]
    with Library.open(indexed) as library:
        assert library.networks.get(network).stats["params"]["min_steps"] == 3
    monkeypatch.setenv("HASHVIEW_PARAMS", "[3]")
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("hashview: HASHVIEW_PARAMS must be a JSON object")


def test_the_app_passes_the_environment_to_every_library_it_opens(photos, monkeypatch):
    from hashview import app
    from hashview.core.hamming import search

    before = search.KERNEL
    try:
        runtime = app.read_runtime({"HASHVIEW_DUPNET_SECONDS": "7", "HASHVIEW_NO_KERNEL": "1"})
        with app.library_opener(runtime)(photos) as library:
            assert library.runtime.dupnet_seconds == 7.0
            assert search.KERNEL == "numpy"  # chosen when the engine loads, before any search
    finally:
        search.set_kernel(before)


def test_the_app_refuses_a_bad_variable_in_one_line_before_any_window(monkeypatch, capsys):
    from hashview import app

    monkeypatch.setenv("HASHVIEW_DUPNET_SECONDS", "soon")
    assert app.main([]) == 2
    assert (
        capsys.readouterr().err
        == "hashview: HASHVIEW_DUPNET_SECONDS must be a number of seconds (0 or more), not 'soon'\n"
    )


def test_pairs_take_their_engine_and_plan_as_arguments():
    from hashview.core.hamming import search
    from hashview.core.hamming.pairs import pairs_within

    rng = np.random.default_rng(1)
    codes = np.packbits(rng.random((300, 32)) < 0.5, axis=1)
    want = pairs_within(codes, 6, kernel="numpy")
    kernels = ["numpy"] + (["c"] if search._hamming is not None else [])
    for kernel in kernels:
        for parts in (None, 1, 7):
            for got, expected in zip(pairs_within(codes, 6, kernel=kernel, parts=parts), want):
                assert np.array_equal(got, expected)


# ------------------------------------------------------------------ draining a job
def test_drain_gives_a_jobs_return_value_or_its_finished_summary():
    def returns():
        yield Progress("step", 1, 2)
        return "made"

    def finishes():
        yield Progress("step", 1, 1)
        yield Finished({"n": 3})

    seen = []
    assert drain(returns(), seen.append) == "made"
    assert drain(finishes(), seen.append) == {"n": 3}
    assert [type(e).__name__ for e in seen] == ["Progress", "Progress", "Finished"]
    assert drain(iter(())) == {}


# ------------------------------------------------------------------ one verdict type
def test_verdict_is_the_stored_word_with_a_sign():
    from hashview.core.catalog.verdict import Verdict
    from hashview.core.duplicates.decisions import Verdict as Exported

    assert Exported is Verdict
    assert Verdict.SAME == "same" and Verdict.DIFFERENT == "different" and str(Verdict.SAME) == "same"
    assert (Verdict.SAME.sign, Verdict.DIFFERENT.sign) == (1, -1)
    assert Verdict.from_sign(1) is Verdict.SAME and Verdict.from_sign(-1) is Verdict.DIFFERENT
    assert Verdict("same") is Verdict.SAME and json.dumps(Verdict.DIFFERENT) == '"different"'
    with pytest.raises(ValueError, match="a verdict is one of same, different"):
        Verdict.parse("maybe")


def test_verdicts_round_trip_and_are_stored_as_plain_words(tmp_path):
    import sqlite3

    from hashview.core.catalog.verdict import Verdict
    from hashview.core.duplicates.decisions import RowDecisions

    root = tmp_path / "photos"
    paths = make_library(root, classes={}, loose=4, size=(48, 36))
    copy = make_near_duplicate(paths[0], root / "copy.jpg", quality=80, scale=0.95)
    with Library.open(root) as library:
        drain(library.index())
        library.decisions.record(paths[0], copy, Verdict.SAME)  # the type, or its word as the app passes it
        library.decisions.record(paths[0], paths[1], "different")
        library.decisions.record(paths[0], paths[2], "same")
        library.decisions.record(paths[0], paths[2], "undecided")
        library.decisions.record(paths[0], paths[3], "same")
        library.decisions.record(paths[0], paths[3], None)  # None forgets too
        with pytest.raises(LibraryError, match="a verdict is one of same, different, undecided"):
            library.decisions.record(paths[0], paths[1], "maybe")
        decided = {frozenset((a, b)): v for a, b, v in library.decisions.all()}
        assert decided == {
            frozenset((paths[0], copy)): Verdict.SAME,
            frozenset((paths[0], paths[1])): Verdict.DIFFERENT,
        }
        assert all(isinstance(v, Verdict) for v in decided.values())
        assert sorted(v for _a, _b, v in library.decisions.id_pairs()) == [-1, 1]  # training pairs: the signs
        ids = {e.path: e.id for e in library.entries()}
        rows = RowDecisions.from_pairs(
            [(ids[paths[0]], ids[copy], Verdict.SAME), (ids[paths[0]], ids[paths[1]], "different")]
        )
        assert len(rows.same) == len(rows.different) == 1
        db, log = library.catalog.db_path, library.catalog._log.path
    with sqlite3.connect(db) as conn:  # the stored formats are the old ones: plain words
        assert sorted(r[0] for r in conn.execute("SELECT verdict FROM decisions")) == ["different", "same"]
        assert {type(r[0]) for r in conn.execute("SELECT verdict FROM decisions")} == {str}
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [line["verdict"] for line in lines] == ["same", "different", "same", None, "same", None]
