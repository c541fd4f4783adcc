"""KER0xx: findings about the run itself rather than a model."""

from kerlint.findings import Severity
from kerlint.rules.base import Rule


class InternalError(Rule):
    """## What it does
    Reports a file that kerlint failed to analyze because of a bug in kerlint.

    ## Why is this bad?
    The file was not checked. The run goes on with the other files and exits
    with code 2 so that CI notices. Please report it with the file attached.

    ## Example
    Any file that triggers the bug.
    """

    code, name, severity = "KER000", "internal-error", Severity.ERROR
    summary = "kerlint failed on this file"
    emitted_by_engine = True


class SyntaxErrorRule(Rule):
    """## What it does
    Reports a file that cannot be parsed as Python 3 (including Python 2 code,
    undecodable bytes and null bytes).

    ## Why is this bad?
    Nothing in the file can be checked, and Python would refuse to run it.

    ## Example
    ```python
    print "hello"
    ```

    Use instead:
    ```python
    print("hello")
    ```
    """

    code, name, severity = "KER001", "syntax-error", Severity.ERROR
    summary = "file cannot be parsed"
    emitted_by_engine = True


class UnusedSuppression(Rule):
    """## What it does
    Reports a `# noqa: ...` or `# kerlint: ignore[...]` comment that names a
    kerlint rule which reports nothing on that line.

    ## Why is this bad?
    A stale suppression hides the next real finding on that line and misleads
    readers. Comments that name only other tools' codes (e.g. `E501`) are left alone.

    ## Example
    ```python
    x = keras.layers.Dense(8)(inputs)  # noqa: KER301
    ```

    Use instead:
    ```python
    x = keras.layers.Dense(8)(inputs)
    ```
    """

    code, name, severity = "KER002", "unused-suppression", Severity.WARNING
    summary = "suppression comment suppresses nothing"
    emitted_by_engine = True


class ResourceLimit(Rule):
    """## What it does
    Reports a file that kerlint did not finish analyzing because it went over
    one of the per-file limits: analysis time (`file-timeout`), memory
    (`file-memory`) or file size (`max-file-size`). The message names the limit.

    ## Why is this bad?
    The file was not checked. Real model code stays far below the defaults
    (120 s, 2 GiB, 10 MiB); a file over them is usually generated or hostile,
    and the limits keep it from stalling or crashing the whole run (and the
    machine running it). The run goes on with the other files.

    ## Example
    A 50 MB generated file, or an expression nested so deeply that parsing it
    needs more memory than the limit.

    ## Options
    None of its own: the limits are `[tool.kerlint.limits]`:
    ```toml
    [tool.kerlint.limits]
    file-timeout = 120
    file-memory = "2 GiB"
    max-file-size = "10 MiB"
    ```
    """

    code, name, severity = "KER003", "resource-limit", Severity.ERROR
    summary = "file went over a per-file limit and was not analyzed"
    emitted_by_engine = True
