"""The rule registry: every rule by code and by name; selectors by code, prefix or name."""

from __future__ import annotations

from kerlint.rules.activation_loss import ActivationLossMismatch
from kerlint.rules.base import Rule
from kerlint.rules.batch_dim import BatchDimInInputShape
from kerlint.rules.budget import OverBudget
from kerlint.rules.channels_first import ChannelsFirstInput
from kerlint.rules.concatenation import OversizedConcatenation
from kerlint.rules.data_input import DataInputMismatch
from kerlint.rules.cudnn_rnn import CudnnIncompatibleRnn
from kerlint.rules.dead_layer import DeadLayer
from kerlint.rules.disconnected_input import DisconnectedInput
from kerlint.rules.dominant_layer import DominantLayer
from kerlint.rules.double_activation import DoubleActivation
from kerlint.rules.duplicate_layers import UnsharedDuplicateLayer
from kerlint.rules.duplicate_names import DuplicateLayerName
from kerlint.rules.estimate_mismatch import EstimateMismatch
from kerlint.rules.flatten_dense import FlattenIntoLargeDense
from kerlint.rules.from_logits import FromLogitsMismatch
from kerlint.rules.head_size import HeadSizeMismatch
from kerlint.rules.high_dropout import HighDropoutRate
from kerlint.rules.inconsistent_scaling import InconsistentScaling
from kerlint.rules.invalid_suppression import InvalidSuppression
from kerlint.rules.input_normalization import MissingInputNormalization
from kerlint.rules.layer_input import IncompatibleLayerInput
from kerlint.rules.learning_rate import SuspiciousLearningRate
from kerlint.rules.merge_shapes import MergeShapeMismatch
from kerlint.rules.meta import InternalError, ResourceLimit, SyntaxErrorRule, UnusedSuppression
from kerlint.rules.missing_nonlinearity import MissingNonlinearity
from kerlint.rules.model_not_reconstructed import ModelNotReconstructed
from kerlint.rules.redundant_bias import RedundantBiasBeforeNormalization
from kerlint.rules.regularization import AbsentRegularization
from kerlint.rules.sequence_head import SequenceIntoDenseHead
from kerlint.rules.shared_layer import IncompatibleSharedLayer
from kerlint.rules.single_unit_softmax import SingleUnitSoftmax
from kerlint.rules.spatial_collapse import SpatialCollapse
from kerlint.rules.target_range import TargetRangeMismatch
from kerlint.rules.target_shape import TargetShapeMismatch
from kerlint.rules.unflattened_head import UnflattenedDenseHead

_REGISTERED = (
    MergeShapeMismatch,
    SpatialCollapse,
    IncompatibleLayerInput,
    BatchDimInInputShape,
    UnflattenedDenseHead,
    SequenceIntoDenseHead,
    DisconnectedInput,
    InternalError,
    SyntaxErrorRule,
    UnusedSuppression,
    ResourceLimit,
    InvalidSuppression,
    UnsharedDuplicateLayer,
    OversizedConcatenation,
    MissingInputNormalization,
    AbsentRegularization,
    IncompatibleSharedLayer,
    ActivationLossMismatch,
    SingleUnitSoftmax,
    FromLogitsMismatch,
    HeadSizeMismatch,
    ChannelsFirstInput,
    DuplicateLayerName,
    RedundantBiasBeforeNormalization,
    MissingNonlinearity,
    DoubleActivation,
    HighDropoutRate,
    SuspiciousLearningRate,
    CudnnIncompatibleRnn,
    EstimateMismatch,
    ModelNotReconstructed,
    FlattenIntoLargeDense,
    DominantLayer,
    OverBudget,
    DeadLayer,
    DataInputMismatch,
    TargetShapeMismatch,
    TargetRangeMismatch,
    InconsistentScaling,
)
ALL_RULES: tuple[type[Rule], ...] = tuple(sorted(_REGISTERED, key=lambda rule: rule.code))

BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in ALL_RULES}
DEFAULT_CODES: frozenset[str] = frozenset(rule.code for rule in ALL_RULES if rule.default)
"""The rules on when the configuration does not `select` others; the rest are opt-in."""


def rule_for(code_or_name: str) -> type[Rule] | None:
    key = code_or_name.strip()
    return BY_CODE.get(key.upper()) or BY_NAME.get(key.lower())


def codes_for_selector(selector: str) -> set[str]:
    """Codes a selector names: a code (`KER101`), a prefix (`KER1`, `ALL`) or a name.

    Raises ``ValueError`` naming the selector when it matches nothing.
    """
    key = selector.strip()
    rule = rule_for(key)
    if rule is not None:
        return {rule.code}
    upper = key.upper()
    if upper == "ALL":
        return set(BY_CODE)
    if upper.startswith("KER"):
        matched = {code for code in BY_CODE if code.startswith(upper)}
        if matched:
            return matched
    raise ValueError(f"unknown rule selector {selector!r} (expected a code like KER101, a prefix like KER1, or a rule name)")
