"""base: what every stage may use, and nothing stage-specific.

* ``errors``: :class:`~dumpconv.base.errors.DumpconvError` and its kinds (one line for the user);
* ``report``: the report of one conversion (diagnostics with input lines, counts);
* ``pgsql``: PostgreSQL's rules for names and literals (the one quoting function, the one
  literal function, comments, identifier length);
* ``encode``: PostgreSQL's COPY text format (the one escaping function for fields);
* ``safetext``: text from the input made safe to show on a terminal or in a comment;
* ``version``.
"""
