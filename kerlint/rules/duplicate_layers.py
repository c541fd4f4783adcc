"""KER101: identical parallel branches merged symmetrically, each with its own weights."""

from __future__ import annotations

import re
from typing import Any, Iterator

from kerlint.findings import Severity
from kerlint.graph import InputNode, Layer, LayerCall, Tensor
from kerlint.interpret.values import contains_unknown, is_native
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.intent import FixedWeights, is_test_file
from kerlint.units import human_count, shape_str

SYMMETRIC_MERGES = {"Concatenate", "Add", "Average", "Maximum", "Minimum", "Multiply"}
POSITION_WORDS = {
    "input", "inputs", "in", "x", "a", "b", "left", "right", "first", "second", "anchor", "positive", "negative",
    "pos", "neg", "layer", "view",
}
"""Words of an input's name that say which copy it is, not what it holds (`left_input`, `input_2`, `anchor`)."""


class UnsharedDuplicateLayer(Rule):
    """## What it does
    Flags branches that apply layers of identical configuration to different
    inputs of the same shape, each branch with its own weights, when their
    outputs are then merged symmetrically (concatenate, add, average, maximum,
    minimum, multiply).

    ## Why is this bad?
    When the inputs are the same kind of data (two sentences, two images, two
    time windows), the branches should compute the same function: sharing one
    layer halves their parameters, trains it on twice the data and keeps the
    two outputs comparable (a Siamese network). Separate copies cost memory and
    may drift apart.

    Branches are not flagged when the code shows their inputs hold different
    kinds of data: inputs of different dtypes, or named for different things
    (`token_ids` and `padding_mask`, `user` and `item`; names that differ only
    in which copy they are, as `left_input` and `right_input` or `input_1` and
    `input_2`, are the same kind). Nor when the model loads trained weights
    (`load_weights`, `set_weights`, a checkpoint's `restore`) or the layers are
    given `weights=`: sharing would change the weights the file holds. `Dot`
    merges (two-tower retrieval models) are not flagged either: their towers
    usually embed different entities; nor models built in test files
    (`test_*.py`, `*_test.py`), which are fixtures. Where the inputs differ in a way the
    code does not show, suppress the finding on that line.

    ## Example
    ```python
    left = keras.Input(shape=(128,))
    right = keras.Input(shape=(128,))
    a = keras.layers.Dense(64, activation="relu")(left)
    b = keras.layers.Dense(64, activation="relu")(right)
    merged = keras.layers.concatenate([a, b])
    ```

    Use instead:
    ```python
    encoder = keras.layers.Dense(64, activation="relu")
    merged = keras.layers.concatenate([encoder(left), encoder(right)])
    ```

    ## References
    - [Keras: shared layers](https://keras.io/guides/functional_api/#shared-layers)
    """

    code, name, severity = "KER101", "unshared-duplicate-layer", Severity.WARNING
    summary = "identical parallel layers could share weights"
    default = False  # opt-in: docs/precision.md
    valid = [
        # Example 1 of the article: the branches see inputs of different shapes.
        """
import keras
input1 = keras.Input(shape=(10,))
input2 = keras.Input(shape=(20,))
dense1 = keras.layers.Dense(64, activation="relu")(input1)
dense2 = keras.layers.Dense(64, activation="relu")(input2)
merged = keras.layers.concatenate([dense1, dense2])
""",
        """
import keras
left = keras.Input(shape=(128,))
right = keras.Input(shape=(128,))
encoder = keras.layers.Dense(64, activation="relu")
merged = keras.layers.concatenate([encoder(left), encoder(right)])
""",
        # Token ids and a padding mask: the same shape, not the same kind of data.
        """
import keras
tokens = keras.Input(shape=(64,), dtype="int32", name="token_ids")
mask = keras.Input(shape=(64,), dtype="int32", name="padding_mask")
a = keras.layers.Embedding(1000, 32)(tokens)
b = keras.layers.Embedding(1000, 32)(mask)
merged = keras.layers.add([a, b])
""",
        """
import keras
left = keras.Input(shape=(128,))
right = keras.Input(shape=(128,))
a = keras.layers.Dense(64, activation="relu")(left)
b = keras.layers.Dense(64, activation="relu")(right)
model = keras.Model([left, right], keras.layers.concatenate([a, b]))
model.load_weights("two_branches.weights.h5")
""",
    ]
    invalid = [
        """
import keras
left = keras.Input(shape=(128,))
right = keras.Input(shape=(128,))
a = keras.layers.Dense(64, activation="relu")(left)
b = keras.layers.Dense(64, activation="relu")(right)
merged = keras.layers.concatenate([a, b])
""",
        """
import keras
question1 = keras.Input(shape=(30,), dtype="int32", name="question1")
question2 = keras.Input(shape=(30,), dtype="int32", name="question2")
a = keras.layers.Embedding(5000, 64)(question1)
b = keras.layers.Embedding(5000, 64)(question2)
merged = keras.layers.concatenate([a, b])
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        if is_test_file(ctx.path):
            return
        fixed = FixedWeights(ctx.analysis)
        for call in ctx.analysis.calls:
            if call.layer.class_name not in SYMMETRIC_MERGES or len(call.inputs) < 2:
                continue
            branches = [_branch(t) for t in call.inputs]
            first = branches[0]
            if not first or any(not _same_branch(first, other) for other in branches[1:]):
                continue
            if len({id(b[-1].inputs[0]) for b in branches}) != len(branches):
                continue  # the same tensor feeds every branch: sharing would make them identical
            if not _same_role([b[-1].inputs[0].producer for b in branches]):
                continue
            if any(c.layer in fixed for b in branches for c in b):
                continue
            per_branch = sum(c.layer.params or 0 for c in first)
            if per_branch == 0:
                continue
            saved = per_branch * (len(branches) - 1)
            chain = " -> ".join(c.layer.describe() for c in reversed(first))
            yield Report(
                ctx.analysis.locator.span(call.node),
                f"{len(branches)} identical branches {chain} on inputs of shape "
                f"{shape_str(first[-1].inputs[0].shape)} are merged by {call.layer.class_name} "
                f"`{call.layer.name}`, each with its own weights: {human_count(saved)} parameters more than one "
                f"shared set ({human_count(per_branch)} per branch)",
                help="If the branches should compute the same function, build the layers once and call them on each input",
            )


def _branch(tensor: Tensor) -> list[LayerCall]:
    """The chain of single-input, single-use layer calls ending in ``tensor`` (nearest first)."""
    chain: list[LayerCall] = []
    producer = tensor.producer
    while isinstance(producer, LayerCall) and len(producer.inputs) == 1 and len(producer.layer.calls) == 1:
        if producer.layer.spec is None or producer.layer.params is None:
            break
        chain.append(producer)
        producer = producer.inputs[0].producer
    return chain


def _same_branch(a: list[LayerCall], b: list[LayerCall]) -> bool:
    """Whether two chains apply the same layer configurations to the same shapes, from the inputs up."""
    if len(a) != len(b) or not a:
        return False
    for x, y in zip(a, b):
        if x.layer is y.layer or not _same_config(x.layer, y.layer):
            return False
        if x.inputs[0].shape != y.inputs[0].shape:
            return False
    starts = (a[-1].inputs[0].producer, b[-1].inputs[0].producer)
    return all(isinstance(s, (InputNode, LayerCall)) for s in starts)


def _same_config(a: Layer, b: Layer) -> bool:
    if a.class_name != b.class_name:
        return False
    keys = (set(a.config) | set(b.config)) - {"name"}
    return all(_comparable(a.config.raw(k)) and a.config.raw(k) == b.config.raw(k) for k in keys)


def _comparable(value: Any) -> bool:
    return is_native(value) and not contains_unknown(value)


def _same_role(starts: list) -> bool:
    """Whether the branches' inputs hold the same kind of data, as far as the code says.

    Inputs of different dtypes (token ids and a float mask) or whose names
    differ in more than which copy they are (`token_ids` and `padding_mask`,
    `user` and `item`) play different roles: sharing a layer between them
    would be wrong.
    """
    inputs = [s for s in starts if isinstance(s, InputNode)]
    if len({repr(i.dtype) for i in inputs}) > 1:
        return False
    return len({_role_words(i.name) for i in inputs}) <= 1


def _role_words(name: str) -> frozenset[str]:
    words = re.split(r"[\W_\d]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower())
    return frozenset(w for w in words if w and w not in POSITION_WORDS)
