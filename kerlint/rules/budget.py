"""KER901: a model over the parameter, FLOPs or memory budget set in `[tool.kerlint.budgets]`."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.budgets import Budgets, Limit, ModelBudget
from kerlint.cost import human_flops, model_flops, run_time_flops, run_time_params
from kerlint.findings import Severity
from kerlint.graph import ModelGraph
from kerlint.memory import PRECISIONS, estimate, human_bytes, model_optimizer
from kerlint.layers.base import CannotInfer
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.symbolic import Polynomial
from kerlint.units import human_count


class OverBudget(Rule):
    """## What it does
    Flags a model whose parameters, FLOPs or memory exceed the limits set in
    `[tool.kerlint.budgets]` of `pyproject.toml`, globally or for models whose
    name matches a glob. It names the model, the figure and the limit:
    "model `resnet50` has 25.6M parameters, over the budget of 20M (max-params
    in pyproject.toml)".

    Figures are kerlint's static estimates (`kerlint cost` prints them):
    `max-params` limits the parameter count, `max-flops` the FLOPs of one
    forward pass at the budget's `batch-size` (1 unless set), and `max-memory`
    the training-peak estimate at that batch size (or the inference peak with
    `memory = "inference"`). A model kerlint cannot reconstruct completely is
    not checked against a limit unless the part it knows already exceeds it
    ("at least ..."). A model whose figures depend on sizes known only at
    run time (`num_classes = len(class_names)`) is over a limit when it is
    whatever those sizes are; otherwise the finding says that the budget
    cannot be checked, and which sizes it depends on.

    ## Why is this bad?
    Models grow one reasonable-looking change at a time: a wider layer, a
    `Flatten` instead of a pooling, a larger input. A budget in CI turns that
    silent growth into a failing check on the pull request that causes it,
    before anyone pays for the training run or the deployment.

    ## Example
    ```toml
    [tool.kerlint.budgets]
    max-params = "20M"
    ```
    ```python
    x = keras.layers.Flatten()(features)  # 7x7x512 -> 25,088 features
    x = keras.layers.Dense(4096, activation="relu")(x)
    model = keras.Model(inputs, outputs, name="vgg_head")  # 113.9M parameters
    ```

    Use instead: shrink the model (here a `GlobalAveragePooling2D` instead of
    the `Flatten` brings it to 13.3M), or raise its budget on purpose:
    ```toml
    [tool.kerlint.budgets.models."vgg*"]
    max-params = "120M"
    ```

    ## Setting budgets
    See "Budgets" in the README for every key and the units accepted, and
    docs/memory.md for what the memory figures count.
    """

    code, name, severity = "KER901", "over-budget", Severity.ERROR
    summary = "a model exceeds a parameter, FLOPs or memory budget set in [tool.kerlint.budgets]"
    example_config = """
[tool.kerlint.budgets]
max-params = "20M"
max-memory = "1 GB"
batch-size = 32
"""
    """The `pyproject.toml` the examples run under (the rule reads nothing else)."""
    valid = [
        # VGG16's convolutional base with a global-pooling head: 13.3M parameters.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(14, 14, 512))
x = layers.Conv2D(512, 3, padding="same", activation="relu")(inputs)
x = layers.Conv2D(512, 3, padding="same", activation="relu")(x)
x = layers.Conv2D(512, 3, padding="same", activation="relu")(x)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dense(4096, activation="relu")(x)
outputs = layers.Dense(1000, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="vgg_head")
""",
    ]
    invalid = [
        # The same with VGG16's Flatten: 113.9M parameters.
        """
import keras
from keras import layers
inputs = keras.Input(shape=(14, 14, 512))
x = layers.Conv2D(512, 3, padding="same", activation="relu")(inputs)
x = layers.Conv2D(512, 3, padding="same", activation="relu")(x)
x = layers.Conv2D(512, 3, padding="same", activation="relu")(x)
x = layers.MaxPooling2D()(x)
x = layers.Flatten()(x)
x = layers.Dense(4096, activation="relu")(x)
outputs = layers.Dense(1000, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="vgg_head")
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        budgets: Budgets | None = ctx.options.get("budgets")
        if budgets is None:
            return
        for model in ctx.analysis.models:
            budget = budgets.for_model(model.name)
            if budget.empty:
                continue
            for message in _overruns(ctx, model, budget):
                yield Report(ctx.analysis.locator.span(model.node), message)


def _overruns(ctx: RuleContext, model: ModelGraph, budget: ModelBudget) -> Iterator[str]:
    name = f"model `{model.name}`"
    batch = f"batch {budget.batch_size}"
    run_time = run_time_params(model)
    if run_time is not None and any(limit is not None for limit in (budget.max_params, budget.max_flops, budget.max_memory)):
        yield from _run_time_overruns(ctx, name, model, budget, run_time[0])
        return
    if budget.max_params is not None:
        params, exact = model.params, True
        if params is None:
            params, exact = sum(layer.params or 0 for layer in model.layers), False
        if params > budget.max_params.value:
            yield f"{name} has {_at_least(exact)}{human_count(params)} parameters, {_over(budget.max_params)}"
    if budget.max_flops is not None:
        flops = model_flops(model, budget.batch_size)
        if flops.known > budget.max_flops.value:
            exact = flops.total is not None
            yield f"{name} needs {_at_least(exact)}{human_flops(flops.known)} per forward pass at {batch}, {_over(budget.max_flops)}"
    if budget.max_memory is not None:
        optimizer = model_optimizer(model, ctx.analysis.locator.line, budget.optimizer)
        memory = estimate(model, budget.batch_size, PRECISIONS[budget.dtype], optimizer)
        figure = memory.training if budget.memory == "training" else memory.inference_peak
        if figure is not None and figure > budget.max_memory.value:
            what = f"to train ({batch}, {budget.dtype}, {optimizer.name})" if budget.memory == "training" else f"for inference ({batch}, {budget.dtype})"
            yield f"{name} needs about {human_bytes(figure)} {what}, {_over(budget.max_memory)}"


def _run_time_overruns(ctx: RuleContext, name: str, model: ModelGraph, budget: ModelBudget, params: Any) -> Iterator[str]:
    """A model whose figures depend on sizes known only at run time: over a limit whatever they are (each at least 1),
    or the limit cannot be checked, with the sizes it depends on and their lines."""
    flops = run_time_flops(model, budget.batch_size)
    unknowns = {u: None for value in (params, flops) if isinstance(value, Polynomial) for u in value.unknowns}
    sizes = ", ".join(f"`{u.label}` (line {ctx.analysis.locator.line(u.node)})" for u in unknowns)
    figures = (
        (budget.max_params, params, "parameter count depends", "has {} parameters", human_count),
        (budget.max_flops, flops, "FLOPs depend", f"needs {{}} FLOPs per forward pass at batch {budget.batch_size}", human_flops),
        (budget.max_memory, None, "memory depends", "", human_bytes),
    )
    for limit, figure, depends, has, human in figures:
        if limit is None:
            continue
        try:
            over = None if figure is None else figure > limit.value
        except CannotInfer:
            over = None
        if figure is None:
            yield f"{name}'s {depends} on {sizes}, known only at run time: {_budget(limit)} cannot be checked"
        elif over is None:
            yield f"{name} {has.format(figure)}, with {sizes} known only at run time: {_budget(limit)} cannot be checked"
        elif over:
            least = figure.substitute({u.label: 1 for u in figure.unknowns})
            yield f"{name} {has.format(figure)}, at least {human(least)} for any value of {sizes}, {_over(limit)}"


def _budget(limit: Limit) -> str:
    return f"the budget of {limit.text} ({limit.origin})"


def _at_least(exact: bool) -> str:
    return "" if exact else "at least "


def _over(limit: Limit) -> str:
    return f"over {_budget(limit)}"
