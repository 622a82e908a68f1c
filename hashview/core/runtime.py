"""The process's run-time choices, read from the environment once, at the edge.

Five ``HASHVIEW_*`` variables tune a run for experiments from a shell:

- ``HASHVIEW_PARAMS``: a JSON object of a deep method's hyper-parameters
  (e.g. '{"views": 4}'; ``python -m benchmarks.dups --params`` sets it);
- ``HASHVIEW_DUPNET_SECONDS``: DupNet's wall-clock budget in seconds;
- ``HASHVIEW_CPU_BF16``: "1" or "0", train in bfloat16 on the CPU or not,
  whatever the CPU has (else only on CPUs with AMX);
- ``HASHVIEW_NO_KERNEL``: anything but "" or "0" makes Hamming search use numpy
  instead of the compiled kernel;
- ``HASHVIEW_VIEW_PROCESSES``: how many worker processes make what a network
  sees of each picture in a large encode (0: none; ``nets/view_processes.py``).

Only ``hashview.cli`` and ``app.py`` read the environment, through the pure
``RuntimeOptions.from_environ``; the engine gets the result as options
(``TrainOptions.runtime``, ``EvalOptions.runtime``, ``Library.open(runtime=)``,
``hamming.search.set_kernel``, ``nets.view_processes.set_processes``), so no engine module and no test depends on the
process's environment. (``HASHVIEW_HOME``, where hashview keeps its files, is the
one variable ``paths.py`` still reads itself, at every call.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hashview.core.errors import OptionError

PARAMS_ENV = "HASHVIEW_PARAMS"
BUDGET_ENV = "HASHVIEW_DUPNET_SECONDS"
CPU_BF16_ENV = "HASHVIEW_CPU_BF16"
NO_KERNEL_ENV = "HASHVIEW_NO_KERNEL"
VIEW_PROCESSES_ENV = "HASHVIEW_VIEW_PROCESSES"


@dataclass(frozen=True)
class RuntimeOptions:
    """What the environment asked of this process; the defaults are what an empty environment means."""

    params: Mapping[str, Any] = field(default_factory=dict)  # deep methods' hyper-parameters (checked per run)
    dupnet_seconds: float | None = None  # DupNet's wall-clock budget; None: the method's own
    cpu_bf16: bool | None = None  # train in bfloat16 on a CPU; None: where the CPU has AMX (device.py)
    kernel: str | None = None  # Hamming search engine: "numpy", or None for the compiled kernel when built
    view_processes: int | None = None  # processes making a large encode's views; None: by the job and the cores

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> RuntimeOptions:
        """The options ``environ`` sets (pass ``os.environ``); unset or empty variables keep the defaults.

        Raises:
            OptionError: one line naming the variable whose text is not what it must be.
        """
        return cls(
            params=_params(environ.get(PARAMS_ENV, "").strip()),
            dupnet_seconds=_seconds(environ.get(BUDGET_ENV, "").strip()),
            cpu_bf16={"1": True, "0": False}.get(environ.get(CPU_BF16_ENV, "").strip()),
            kernel="numpy" if environ.get(NO_KERNEL_ENV, "").strip() not in ("", "0") else None,
            view_processes=_count(environ.get(VIEW_PROCESSES_ENV, "").strip()),
        )

    def run_options(self) -> dict[str, Any]:
        """``DeepRun`` fields these options set (``deep.apply_run_options``), each only when set."""
        options: dict[str, Any] = {}
        if self.params:
            options["overrides"] = dict(self.params)
        if self.dupnet_seconds is not None:
            options["budget_s"] = self.dupnet_seconds
        if self.cpu_bf16 is not None:
            options["cpu_bf16"] = self.cpu_bf16
        return options


def _params(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        changed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise OptionError(f"{PARAMS_ENV} is not JSON: {exc}") from None
    if not isinstance(changed, dict):
        raise OptionError(f"{PARAMS_ENV} must be a JSON object of a method's parameters, got {text}")
    return changed  # the names are checked against the method when a run starts (fit_context.run_params)


def _seconds(text: str) -> float | None:
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not seconds >= 0:  # NaN too; "inf" lifts the cap, 0 leaves one step a round
        raise OptionError(f"{BUDGET_ENV} must be a number of seconds (0 or more), not {text!r}")
    return seconds


def _count(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        raise OptionError(f"{VIEW_PROCESSES_ENV} must be a number of processes (0 or more), not {text!r}")
    return int(text)
