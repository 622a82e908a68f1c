"""The environment's run options for deep methods, as plain options: read at the edge, never by a method.

``HASHVIEW_PARAMS`` (a JSON object of hyper-parameters, e.g. '{"views": 4}') and
``HASHVIEW_DUPNET_SECONDS`` (DupNet's wall-clock budget) are for experiments from
a shell (``benchmarks/dups.py --params`` sets the first): an experiment used to
mean editing a method's source. The engine takes them as ``DeepRun.overrides``
and ``DeepRun.budget_s``; this pure function turns the text into those options,
so a method and its tests never depend on the process's environment.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

PARAMS_ENV = "HASHVIEW_PARAMS"
BUDGET_ENV = "HASHVIEW_DUPNET_SECONDS"


def run_options_from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """``DeepRun`` fields set by ``environ``: ``overrides`` and ``budget_s``, each only when its variable is set.

    The names in ``overrides`` are checked against the method when the run starts
    (``fit_context.run_params``).

    Raises:
        ValueError: one line naming the variable whose text is not what it must be.
    """
    options: dict[str, Any] = {}
    text = environ.get(PARAMS_ENV, "").strip()
    if text:
        try:
            changed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{PARAMS_ENV} is not JSON: {exc}") from None
        if not isinstance(changed, dict):
            raise ValueError(f"{PARAMS_ENV} must be a JSON object of a method's parameters, got {text}")
        options["overrides"] = changed
    text = environ.get(BUDGET_ENV, "").strip()
    if text:
        try:
            seconds = float(text)
        except ValueError:
            seconds = math.nan
        if not seconds >= 0:  # NaN too; "inf" lifts the cap, 0 leaves one step a round
            raise ValueError(f"{BUDGET_ENV} must be a number of seconds (0 or more), not {text!r}")
        options["budget_s"] = seconds
    return options
