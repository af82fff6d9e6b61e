"""decide: each column's PostgreSQL type, from its declared type, the data and the user's
casts. Knows nothing of output syntax.

* ``typemap``: declared type names to categories and PostgreSQL types;
* ``stats``: per-column statistics, batch by batch;
* ``casts``: ``--cast`` arguments and their transforms;
* ``choose``: the decision (:func:`~dumpconv.decide.choose.decide`).
"""
