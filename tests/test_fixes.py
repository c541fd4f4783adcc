"""Autofixes: each rule's fix, linted again and built with real Keras; the --fix/--diff/--unsafe-fixes CLI.

Every fix is checked the same way: after applying it, linting the fixed text
finds nothing of that rule and nothing that was not there before, and the text
is exactly what a careful person would have written (comments and layout kept).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from helpers import kerlint
from kerlint.config import load_settings
from kerlint.engine import analyze_source
from kerlint.fix.apply import FixedSource, apply_once, fix_sources
from kerlint.fix.edit import Applicability
from kerlint.fix.write import ChangedOnDisk, write_fixed
from kerlint.rules import ALL_RULES

SETTINGS = load_settings(None, select=["KER"])
"""Every rule: some fixable ones (KER105, KER401) are not in the default selection."""


def _dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def fix_source(source: str, path: str, applicable) -> FixedSource:
    """`source` fixed as `check --fix` fixes a file: from the findings of a first analysis, linted again in workers."""
    file = FixedSource(Path(path), path, SETTINGS, "utf-8", source, analyze_source(source, path, SETTINGS).findings)
    fix_sources([file], applicable)
    return file


# (id, code, applicability, source, fixed source)
CASES = [
    (
        "softmax-keyword", "KER204", Applicability.SAFE,
        """
        import keras
        inputs = keras.Input(shape=(8,))
        x = keras.layers.Dense(16, activation="relu")(inputs)  # hidden
        outputs = keras.layers.Dense(1,
            activation='softmax',  # the head
        )(x)
        model = keras.Model(inputs, outputs)
        """,
        """
        import keras
        inputs = keras.Input(shape=(8,))
        x = keras.layers.Dense(16, activation="relu")(inputs)  # hidden
        outputs = keras.layers.Dense(1,
            activation='sigmoid',  # the head
        )(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    (
        "softmax-activation-layer", "KER204", Applicability.SAFE,
        """
        import keras
        inputs = keras.Input(shape=(8,))
        x = keras.layers.Dense(1)(inputs)
        outputs = keras.layers.Activation(keras.activations.softmax)(x)
        model = keras.Model(inputs, outputs)
        """,
        """
        import keras
        inputs = keras.Input(shape=(8,))
        x = keras.layers.Dense(1)(inputs)
        outputs = keras.layers.Activation(keras.activations.sigmoid)(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    (
        "bias-before-bn", "KER105", Applicability.UNSAFE,
        """
        import keras
        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.layers.Conv2D(64, 3, padding="same")(inputs)  # stem
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        model = keras.Model(inputs, x)
        """,
        """
        import keras
        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.layers.Conv2D(64, 3, padding="same", use_bias=False)(inputs)  # stem
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        model = keras.Model(inputs, x)
        """,
    ),
    (
        "bias-written-true", "KER105", Applicability.UNSAFE,
        """
        import keras
        model = keras.Sequential([
            keras.Input((100,)),
            keras.layers.Dense(256, use_bias=True),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
        ])
        """,
        """
        import keras
        model = keras.Sequential([
            keras.Input((100,)),
            keras.layers.Dense(256, use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.Activation("relu"),
        ])
        """,
    ),
    (
        "from-logits-twice", "KER205", Applicability.SAFE,
        """
        import keras
        inputs = keras.Input(shape=(20,))
        outputs = keras.layers.Dense(10, activation="softmax")(inputs)
        model = keras.Model(inputs, outputs)
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
        """,
        """
        import keras
        inputs = keras.Input(shape=(20,))
        outputs = keras.layers.Dense(10, activation="softmax")(inputs)
        model = keras.Model(inputs, outputs)
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False), optimizer="adam")
        """,
    ),
    (
        "from-logits-loss-name", "KER205", Applicability.SAFE,
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input((28, 28)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        """,
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input((28, 28)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        """,
    ),
    (
        "from-logits-loss-class", "KER205", Applicability.SAFE,
        """
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy())
        """,
        """
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
        """,
    ),
    (
        "from-logits-imported-names", "KER205", Applicability.SAFE,
        """
        import keras as K
        from keras.layers import Dense, Input
        inputs = Input((20,))
        model = K.Model(inputs, Dense(10)(inputs))
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        """,
        """
        import keras as K
        from keras.layers import Dense, Input
        inputs = Input((20,))
        model = K.Model(inputs, Dense(10)(inputs))
        model.compile(loss=K.losses.CategoricalCrossentropy(from_logits=True), optimizer="adam")
        """,
    ),
    (
        "cudnn-unroll", "KER401", Applicability.SAFE,
        """
        import keras
        inputs = keras.Input(shape=(100, 32))
        x = keras.layers.LSTM(128, unroll=True)(inputs)
        model = keras.Model(inputs, x)
        """,
        """
        import keras
        inputs = keras.Input(shape=(100, 32))
        x = keras.layers.LSTM(128)(inputs)
        model = keras.Model(inputs, x)
        """,
    ),
    (
        "cudnn-several", "KER401", Applicability.UNSAFE,
        """
        import keras
        inputs = keras.Input(shape=(100, 32))
        x = keras.layers.LSTM(32, recurrent_dropout=0.2, unroll=True, return_sequences=True)(inputs)
        x = keras.layers.GRU(64,
                             activation="relu",  # tried it
                             reset_after=False,
                             )(x)
        y = keras.layers.LSTM(8, dropout=0.1, recurrent_dropout=0.3)(inputs)
        model = keras.Model(inputs, [x, y])
        """,
        """
        import keras
        inputs = keras.Input(shape=(100, 32))
        x = keras.layers.LSTM(32, dropout=0.2, return_sequences=True)(inputs)
        x = keras.layers.GRU(64,
                             )(x)
        y = keras.layers.LSTM(8, dropout=0.1)(inputs)
        model = keras.Model(inputs, [x, y])
        """,
    ),
    (
        "batch-dim", "KER306", Applicability.SAFE,
        """
        import keras
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        inputs = keras.Input(shape=x_train.shape)
        x = keras.layers.Flatten()(inputs)
        outputs = keras.layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        """,
        """
        import keras
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        inputs = keras.Input(shape=x_train.shape[1:])
        x = keras.layers.Flatten()(inputs)
        outputs = keras.layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        """,
    ),
    (
        "sequence-head", "KER307", Applicability.SAFE,
        """
        import keras
        (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
        x_train = keras.utils.pad_sequences(x_train, maxlen=100)
        inputs = keras.Input((100,))
        x = keras.layers.Embedding(10000, 32)(inputs)
        x = keras.layers.Bidirectional(keras.layers.GRU(32, return_sequences=True))(x)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(x_train, y_train)
        """,
        """
        import keras
        (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
        x_train = keras.utils.pad_sequences(x_train, maxlen=100)
        inputs = keras.Input((100,))
        x = keras.layers.Embedding(10000, 32)(inputs)
        x = keras.layers.Bidirectional(keras.layers.GRU(32))(x)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(x_train, y_train)
        """,
    ),
    (
        "unflattened-functional", "KER303", Applicability.UNSAFE,
        """
        import keras
        inputs = keras.Input(shape=(28, 28, 1))
        x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
        outputs = keras.layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        """,
        """
        import keras
        inputs = keras.Input(shape=(28, 28, 1))
        x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
        outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
        model = keras.Model(inputs, outputs)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        """,
    ),
    (
        "unflattened-imported-name", "KER303", Applicability.UNSAFE,
        """
        from keras.layers import Conv2D, Dense, Flatten as F, Input
        from keras.models import Model
        inputs = Input(shape=(28, 28, 1))
        outputs = Dense(10, activation="softmax")(Conv2D(32, 3)(inputs))
        model = Model(inputs, outputs)
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        """,
        """
        from keras.layers import Conv2D, Dense, Flatten as F, Input
        from keras.models import Model
        inputs = Input(shape=(28, 28, 1))
        outputs = Dense(10, activation="softmax")(F()(Conv2D(32, 3)(inputs)))
        model = Model(inputs, outputs)
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        """,
    ),
    (
        "unflattened-through-tf", "KER303", Applicability.UNSAFE,
        """
        import tensorflow as tf
        from tensorflow.keras.layers import Conv2D, Dense
        inputs = tf.keras.Input(shape=(28, 28, 1))
        outputs = Dense(10, activation="softmax")(Conv2D(8, 3)(inputs))
        model = tf.keras.Model(inputs, outputs)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        """,
        """
        import tensorflow as tf
        from tensorflow.keras.layers import Conv2D, Dense
        inputs = tf.keras.Input(shape=(28, 28, 1))
        outputs = Dense(10, activation="softmax")(tf.keras.layers.Flatten()(Conv2D(8, 3)(inputs)))
        model = tf.keras.Model(inputs, outputs)
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        """,
    ),
    (
        "unflattened-model-add", "KER303", Applicability.UNSAFE,
        """
        from keras.models import Sequential
        from keras.layers import Conv2D, Dense, Flatten, Input

        def build(classes=10):
            model = Sequential()
            model.add(Input((28, 28, 1)))
            model.add(Conv2D(32, (3, 3)))
            if classes:
                model.add(Dense(classes, activation="softmax"))  # head
            model.compile(loss="categorical_crossentropy", optimizer="adam")
            return model

        model = build()
        """,
        """
        from keras.models import Sequential
        from keras.layers import Conv2D, Dense, Flatten, Input

        def build(classes=10):
            model = Sequential()
            model.add(Input((28, 28, 1)))
            model.add(Conv2D(32, (3, 3)))
            if classes:
                model.add(Flatten())
                model.add(Dense(classes, activation="softmax"))  # head
            model.compile(loss="categorical_crossentropy", optimizer="adam")
            return model

        model = build()
        """,
    ),
    (
        "unflattened-sequential", "KER303", Applicability.UNSAFE,
        """
        import keras
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3),
            keras.layers.Dense(10, activation="softmax"),  # head
        ])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        """,
        """
        import keras
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, 3),
            keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax"),  # head
        ])
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        """,
    ),
]
IDS = [case[0] for case in CASES]


def _source(name: str) -> str:
    """The unfixed program of the case `name`."""
    return _dedent(next(case for case in CASES if case[0] == name)[3])


def _fixed(name: str) -> str:
    """The fixed program of the case `name`."""
    return _dedent(next(case for case in CASES if case[0] == name)[4])


@pytest.mark.parametrize("name, code, applicability, source, expected", CASES, ids=IDS)
def test_fix_gives_the_expected_text_and_leaves_no_finding(name, code, applicability, source, expected):
    source, expected = _dedent(source), _dedent(expected)
    before = analyze_source(source, f"{name}.py", SETTINGS)
    offered = [f for f in before.findings if f.code == code]
    assert offered and all(f.fix is not None and f.fix.applicability is applicability for f in offered)
    outcome = fix_source(source, f"{name}.py", lambda f: f.fix is not None and f.fix.applies(unsafe=True))
    assert outcome.source == expected
    assert not outcome.undone
    assert {f.code for f in outcome.fixed} == {code}
    after = outcome.findings
    assert not [f for f in after if f.code == code]
    assert {f.code for f in after} <= {f.code for f in before.findings}, "the fix brought a new finding"


def test_unsafe_fixes_need_unsafe():
    name, code, _, source, _ = next(case for case in CASES if case[2] is Applicability.UNSAFE)
    source = _dedent(source)
    outcome = fix_source(source, "a.py", lambda f: f.fix is not None and f.fix.applies(unsafe=False))
    assert outcome.source == source and not outcome.fixed


def test_fixed_models_build_in_keras(tmp_path, monkeypatch):
    """Each fixed program runs with real Keras (fit and the data loaders stubbed), and its models have the
    parameters kerlint computes statically, where it can."""
    pytest.importorskip("keras", reason="building the fixed models needs keras (pip install kerlint[confirm])")
    from test_examples_keras import run_with_keras

    from kerlint.cost import model_costs

    for name, _, _, _, expected in CASES:
        path = tmp_path / f"{name.replace('-', '_')}.py"
        path.write_text(_dedent(expected))
        real = run_with_keras(path, monkeypatch)
        static = model_costs(analyze_source(path.read_text(), str(path), SETTINGS).analysis)
        assert len(static) == len(real), name
        for cost, model in zip(static, real):  # the data loaders' sizes are not static: their inputs' are unknown
            assert cost.params in (None, model.count_params()), name


def test_fix_passes_until_stable():
    """Two fixes on one call that overlap are applied in two passes, each after linting again."""
    source = _dedent(
        """
        import keras
        inputs = keras.Input(shape=(100, 32))
        x = keras.layers.LSTM(8, unroll=True, return_sequences=True)(inputs)
        outputs = keras.layers.Dense(1, activation="softmax")(x[:, -1])
        model = keras.Model(inputs, outputs)
        """
    )
    outcome = fix_source(source, "a.py", lambda f: f.fix is not None)
    assert sorted(f.code for f in outcome.fixed) == ["KER204", "KER401"]
    assert "unroll" not in outcome.source and 'activation="sigmoid"' in outcome.source


def test_overlapping_fixes_wait_for_the_next_pass():
    source = 'f(a=1, b=2)\n'
    from kerlint.findings import Finding, Severity, Span
    from kerlint.fix.edit import Edit, Fix

    def finding(code, edit):
        return Finding("a.py", Span(1, 1, 1, 1), code, code, "", Severity.ERROR, fix=Fix(code, (edit,), Applicability.SAFE))

    first = finding("KER1", Edit(Span(1, 3, 1, 6), "a=3"))
    overlapping = finding("KER2", Edit(Span(1, 3, 1, 11), ""))
    elsewhere = finding("KER3", Edit(Span(1, 8, 1, 11), "b=4"))
    text, applied = apply_once(source, [overlapping, elsewhere, first])
    assert text == "f(a=3, b=4)\n" and applied == [first, elsewhere]


def test_a_fix_that_breaks_the_syntax_is_undone(monkeypatch):
    from kerlint.fix import apply

    source = _source("softmax-keyword")
    broken = "import keras\nx = keras.layers.Dense(1, activation=\"sigmoid\"\n"
    monkeypatch.setattr(apply, "apply_once", lambda text, findings: (broken, list(findings)))
    outcome = fix_source(source, "a.py", lambda f: f.fix is not None)
    assert outcome.source == source and outcome.undone and not outcome.fixed


def test_a_helper_parameter_is_not_rewritten():
    """A value passed in (`use_bias=bias`) may serve other calls too: no fix."""
    source = _dedent(
        """
        import keras
        def block(x, bias=True):
            x = keras.layers.Conv2D(64, 3, padding="same", use_bias=bias)(x)
            return keras.layers.BatchNormalization()(x)
        inputs = keras.Input(shape=(32, 32, 3))
        model = keras.Model(inputs, block(inputs))
        """
    )
    findings = [f for f in analyze_source(source, "a.py", SETTINGS).findings if f.code == "KER105"]
    assert findings and findings[0].fix is None


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_fix_availability_is_declared_and_documented(rule):
    """A rule whose examples get fixes says so (and how safe they are) on its page; a rule that says so has one."""
    fixed = []
    for example in rule.invalid:
        for finding in analyze_source(textwrap.dedent(example), "example.py", SETTINGS).findings:
            if finding.code == rule.code and finding.fix is not None:
                fixed.append(finding)
    if rule.fix_availability is None:
        assert not fixed, f"{rule.code} offers fixes: set fix_availability and document them under ## Fix safety"
        return
    assert fixed, f"{rule.code} declares a fix but none of its invalid examples gets one"
    assert "## Fix safety" in rule.documentation()
    for example in rule.invalid:
        source = textwrap.dedent(example)
        outcome = fix_source(source, "example.py", lambda f: f.code == rule.code and f.fix is not None)
        assert not outcome.undone
        if outcome.fixed:
            assert not [f for f in outcome.findings if f.code == rule.code]


# ------------------------------------------------------------------ files


SOFTMAX = 'import keras\nout = keras.layers.Dense(1, activation="softmax")(keras.Input(shape=(8,)))\n'
SOFTMAX_FIXED = SOFTMAX.replace("softmax", "sigmoid")
UNFLATTENED = _source("unflattened-functional")
"""A safe fix (KER204) and an unsafe one (KER303), both in the default selection."""


def test_write_keeps_encoding_bom_and_line_endings(tmp_path):
    path = tmp_path / "a.py"
    read = ("\ufeff" + SOFTMAX.replace("\n", "\r\n")).encode("utf-8")
    path.write_bytes(read)
    write_fixed(path, read, SOFTMAX_FIXED.replace("\n", "\r\n"))
    assert path.read_bytes() == ("\ufeff" + SOFTMAX_FIXED.replace("\n", "\r\n")).encode("utf-8")

    latin = "# -*- coding: latin-1 -*-\n# café\n" + SOFTMAX
    path.write_bytes(latin.encode("latin-1"))
    write_fixed(path, latin.encode("latin-1"), latin.replace("softmax", "sigmoid"))
    assert path.read_bytes() == latin.replace("softmax", "sigmoid").encode("latin-1")


def test_write_leaves_a_file_that_changed_since_it_was_read(tmp_path):
    path = tmp_path / "a.py"
    path.write_text(SOFTMAX)
    with pytest.raises(ChangedOnDisk):
        write_fixed(path, b"what was read before an editor saved", SOFTMAX_FIXED)
    assert path.read_text() == SOFTMAX
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"]  # no temporary file left behind


def test_crlf_file_is_fixed_in_its_own_line_endings(tmp_path):
    (tmp_path / "a.py").write_bytes(SOFTMAX.replace("\n", "\r\n").encode())
    result = kerlint("check", "--fix", "--no-cache", "a.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "a.py").read_bytes() == SOFTMAX_FIXED.replace("\n", "\r\n").encode()


def _project(tmp_path: Path) -> Path:
    (tmp_path / "safe.py").write_text(SOFTMAX)
    (tmp_path / "unsafe.py").write_text(UNFLATTENED)
    return tmp_path


def test_check_marks_and_counts_what_fix_would_fix(tmp_path):
    result = kerlint("check", "--no-cache", "--output-format", "concise", ".", cwd=_project(tmp_path))
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert lines[0].startswith("safe.py:2:7: KER204 [*] softmax") and lines[1].startswith("unsafe.py:4:11: KER303 Dense(10)")
    assert lines[-1] == "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)."
    unsafe = kerlint("check", "--no-cache", "--output-format", "concise", "--unsafe-fixes", ".", cwd=tmp_path)
    assert "KER303 [*]" in unsafe.stdout and unsafe.stdout.endswith("[*] 2 fixable with the `--fix` option.\n")
    statistics = kerlint("check", "--no-cache", "--statistics", ".", cwd=tmp_path).stdout.splitlines()
    assert statistics == ["1  KER204  [*] single-unit-softmax", "1  KER303  [ ] unflattened-dense-head"]


def test_fix_writes_safe_fixes_and_reports_what_remains(tmp_path):
    result = kerlint("check", "--fix", "--show-fixes", "--no-cache", "--output-format", "concise", ".", cwd=_project(tmp_path))
    assert result.returncode == 1  # the unsafe finding remains
    assert (tmp_path / "safe.py").read_text() == SOFTMAX_FIXED
    assert (tmp_path / "unsafe.py").read_text() == UNFLATTENED
    assert result.stdout.splitlines()[1:] == [
        "Fixed 1 finding:",
        "- safe.py:",
        "    1 × KER204 (single-unit-softmax)",
        "Found 2 findings (1 fixed, 1 remaining).",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]
    assert result.stdout.startswith("unsafe.py:4:11: KER303 ")
    again = kerlint("check", "--fix", "--unsafe-fixes", "--no-cache", ".", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.endswith("Found 1 finding (1 fixed, 0 remaining).\n")
    assert (tmp_path / "unsafe.py").read_text() == _fixed("unflattened-functional")


def test_diff_shows_the_changes_and_writes_nothing(tmp_path):
    result = kerlint("check", "--diff", "--no-cache", ".", cwd=_project(tmp_path))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "--- safe.py",
        "+++ safe.py",
        "@@ -1,2 +1,2 @@",
        " import keras",
        '-out = keras.layers.Dense(1, activation="softmax")(keras.Input(shape=(8,)))',
        '+out = keras.layers.Dense(1, activation="sigmoid")(keras.Input(shape=(8,)))',
    ]
    assert "Would fix 1 finding." in result.stderr
    assert (tmp_path / "safe.py").read_text() == SOFTMAX
    clean = kerlint("check", "--diff", "--no-cache", "unsafe.py", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_configured_fix_settings(tmp_path):
    _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.kerlint]\nfix = true\nunsafe-fixes = true\nunfixable = ["KER204"]\n')
    settings = kerlint("check", "--show-settings", "--no-unsafe-fixes", "safe.py", cwd=tmp_path).stdout
    assert settings.split("fixes:\n", 1)[1].splitlines()[:4] == [
        "  fix = true", "  unsafe-fixes = false", "  fixable = all", '  unfixable = ["KER204"]',
    ]
    result = kerlint("check", "--no-cache", ".", cwd=tmp_path)  # fix = true: fixes without --fix
    assert (tmp_path / "unsafe.py").read_text() == _fixed("unflattened-functional")
    assert (tmp_path / "safe.py").read_text() == SOFTMAX  # unfixable
    assert result.returncode == 1 and "(1 fixed, 1 remaining)" in result.stdout


def test_notebooks_and_standard_input_are_not_fixed(tmp_path):
    import json

    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": SOFTMAX, "outputs": [], "execution_count": None}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    text = json.dumps(notebook)
    (tmp_path / "a.ipynb").write_text(text)
    result = kerlint("check", "--fix", "--no-cache", "a.ipynb", cwd=tmp_path)
    assert "notebooks are not fixed" in result.stderr and result.returncode == 1
    assert (tmp_path / "a.ipynb").read_text() == text
    piped = kerlint("check", "--fix", "-", cwd=tmp_path, stdin=SOFTMAX)
    assert piped.returncode == 2 and "do not read standard input" in piped.stderr


def test_fix_round_trips_through_json_and_rejects_forgeries():
    import json

    from kerlint.fix.edit import Fix

    finding = next(f for f in analyze_source(_source("cudnn-several"), "a.py", SETTINGS).findings if f.fix)
    assert Fix.from_json(json.loads(json.dumps(finding.fix.to_json()))) == finding.fix
    assert Fix.from_json(None) is None
    for forged in ([], ["t", "safe", []], ["t", "maybe", [[1, 1, 1, 1, ""]]], ["t", "safe", [[0, 1, 1, 1, ""]]], ["t", "safe", [[1, 1, 1, "1", ""]]]):
        with pytest.raises((ValueError, TypeError)):
            Fix.from_json(forged)


def test_flatten_is_added_only_where_the_file_can_name_it():
    source = _source("unflattened-imported-name").replace("Flatten as F, ", "")
    findings = [f for f in analyze_source(source, "a.py", SETTINGS).findings if f.code == "KER303"]
    assert findings and findings[0].fix is None


@pytest.mark.parametrize("line, error", [
    ('fix = "yes"', "'fix' must be true or false, got a string"),
    ('unfixable = ["KER999"]', "KER999"),
])
def test_fix_settings_are_checked(tmp_path, line, error):
    from kerlint.config import ConfigError

    (tmp_path / "pyproject.toml").write_text(f"[tool.kerlint]\n{line}\n")
    with pytest.raises(ConfigError, match=error):
        load_settings(tmp_path / "pyproject.toml")


@pytest.mark.parametrize("imports, keras, flatten", [
    ("import keras.layers\n", "keras", "keras.layers.Flatten"),
    ("import tensorflow as tf\n", "tf.keras", "tf.keras.layers.Flatten"),
    ("import tensorflow.keras.layers\n", "tensorflow.keras", "tensorflow.keras.layers.Flatten"),
    ("from tensorflow import keras as K\n", "K", "K.layers.Flatten"),
    ("from mylib.custom_layers import Flatten\nfrom keras.layers import Flatten as F\n", None, "F"),
    ("import numpy as np\n", None, None),
])
def test_the_file_s_own_spelling_of_keras(imports, keras, flatten):
    from types import SimpleNamespace

    import libcst as cst

    from kerlint.fix.codemod import Editor

    editor = Editor(SimpleNamespace(module=cst.parse_module(imports), anchors={}, deferred=[]))
    assert (editor.keras_module(), editor.layer_class(cst.Name("Dense"), "Flatten")) == (keras, flatten)
    assert editor.layer_class(cst.parse_expression("tf.keras.layers.Dense"), "Flatten") == "tf.keras.layers.Flatten"
