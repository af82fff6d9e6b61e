"""read: bytes of a dump to statements, rows and the schema model. Knows PostgreSQL only
through ``base`` (the names the schema model gives tables and columns).

* ``lexer``: SQLite's tokens and statement ends; ``splitter``: bytes to statements and runs
  of INSERTs; ``classify``: what a statement is;
* ``sqlite_ddl`` (with ``cursor``): CREATE TABLE text into the ``schema`` model;
* ``rows`` (``scan``, ``fast``, ``shapes``): INSERT statements to COPY rows (``batch.Batch``);
* ``sqlitefloat``: reals read the way SQLite reads them.
"""
