"""Autofixes: the edits rules attach to their findings, and what applies them (`--fix`, `--diff`, `--add-noqa`).

A rule computes its fix where the file is analyzed, from the libcst nodes of
the finding, as text edits at those nodes' positions (`codemod`): every byte
the fix does not touch stays as it was, comments and formatting included.
`apply` applies them and lints again until nothing more changes; `write`
puts the result on disk; `noqa` writes suppressions for what is left.
"""
