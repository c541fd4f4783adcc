"""KER004: a suppression comment that kerlint cannot read, so it suppresses nothing."""

from kerlint.findings import Severity
from kerlint.rules.base import Rule


class InvalidSuppression(Rule):
    """## What it does
    Reports a `# kerlint: ...` comment that is not a valid directive, and a
    `# noqa: ...` or `# kerlint: ignore[...]` that names something that is not a
    kerlint rule: `# kerlint: ignore` without brackets, `ignore[bogus]`, a prefix
    such as `ignore[KER2]` or `# noqa: KER3` (suppressions name whole codes), a
    code that does not exist (`# noqa: KER999`).

    ## Why is this bad?
    Such a comment suppresses nothing and says nothing: its author believes a
    finding is silenced while kerlint still reports it, or that a rule is
    checked on the line when the comment was meant for another. The message
    says what was probably meant. Codes of other tools in a `# noqa` (`E501`,
    `F401`) are left alone; a bare `# noqa` is valid and suppresses every rule
    on its line.

    ## Example
    ```python
    x = keras.layers.Dense(8)(inputs)  # noqa: KER3
    y = keras.layers.Dense(8)(inputs)  # kerlint: ignore
    ```

    Use instead:
    ```python
    x = keras.layers.Dense(8)(inputs)  # noqa: KER301
    y = keras.layers.Dense(8)(inputs)  # kerlint: ignore[KER301]
    ```
    """

    code, name, severity = "KER004", "invalid-suppression", Severity.WARNING
    summary = "suppression comment names no kerlint rule, or is malformed"
    emitted_by_engine = True
