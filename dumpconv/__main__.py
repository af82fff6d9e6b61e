from dumpconv.cli import run

run()
