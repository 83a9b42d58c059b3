"""One module per problem family, named after the family (``-`` -> ``_``),
each with ``problem()``: the family's contract problem. ``tests/test_contract.py``
finds them from the registry's families, so a new family adds its module here
and nothing else."""
