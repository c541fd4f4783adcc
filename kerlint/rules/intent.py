"""What the code shows about its author's intent, where a rule's advice would go against it.

Dropping a bias (KER105), sharing one layer between branches (KER101) or
pooling instead of flattening (KER103) changes which weights a model has. When
the code loads trained weights into the model (``load_weights``,
``set_weights``, a checkpoint's ``restore``) or hands a layer its weights
(``weights=``), that change breaks the loading: the architecture is fixed by
the weights, not open to advice. And a model built in a test module is a
fixture, made to be checked rather than trained: these rules and KER207 leave
it alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kerlint.graph import Layer, collect_calls

if TYPE_CHECKING:
    from kerlint.interpret.analysis import FileAnalysis


class FixedWeights:
    """The layers of a file whose weights come from elsewhere, by their construction in the source.

    By construction node, not by layer object: a model-building function is
    interpreted once per path that reaches it, and a model that loads weights
    on one path is the same code on the others.
    """

    def __init__(self, analysis: "FileAnalysis"):
        self._nodes: set[int] = set()
        for model in analysis.models:
            if model.weights_loaded is None:
                continue
            pending = list(model.calls)
            while pending:
                call = pending.pop()
                if id(call.layer.node) in self._nodes:
                    continue
                self._nodes.add(id(call.layer.node))
                if call.inner_outputs:
                    pending.extend(collect_calls(call.inner_outputs)[0])
            self._nodes.update(id(layer.node) for layer in model.sequence or [])
        self._nodes.update(id(call.layer.node) for call in analysis.calls if _given_weights(call.layer))

    def __contains__(self, layer: Layer) -> bool:
        return id(layer.node) in self._nodes


def _given_weights(layer: Layer) -> bool:
    """``Dense(..., weights=[kernel, bias])``, ``Embedding(..., weights=[matrix])``: Keras 2's initial weights."""
    return layer.config.raw("weights") is not None


def is_test_file(path: str) -> bool:
    """A pytest or unittest module (`test_*.py`, `*_test.py`): its models are fixtures, built to be checked, not trained."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py")
