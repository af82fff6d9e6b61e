"""Where ``pip install`` puts the mypyc-compiled copies of the hot modules (setup.py; git
ignores them). Nothing here is imported directly: ``base.hotpath`` checks and chooses."""
