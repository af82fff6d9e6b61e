"""write: the output file.

* ``spool``: the encoded rows of every table, kept on disk until their types are decided,
  and re-encoded on the way out;
* ``writer``: the script's framing (header, settings, COPY blocks, guards, footer);
* ``pgcheck``: the check every statement passes before it is written (PostgreSQL's parser,
  through pglast, the only module that uses it).
"""
