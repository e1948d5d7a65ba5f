"""The workflow core: state machines as data and the one action skeleton they all run on.

A layer between the domain apps and core/ledger: it imports core and the ledger, never an
app (tests/test_layers.py). See docs/decisions/0005-workflow-core.md for a new machine.
"""
