"""One module per problem family, named after the family (``-`` -> ``_``).

Each defines ``problem()``, the family's contract problem, found by
``tests/test_contract.py`` from the registry's families: a new family adds its
module here and nothing else. ``problem()`` returns a dict: ``problem`` (a
problem object) or the smooth callables ``fun``/``jac``/``hess``/``hessp``;
``x0``; ``x_star`` or ``check(res)``; ``counters`` (result field -> Counter,
the independent counts); optionally ``options`` (extra method options for
these runs), ``tol``, and ``overrides`` ({method: {key: value}}) for a method
whose guarantee is weaker than its family's or that needs another instance of
the family.
"""
