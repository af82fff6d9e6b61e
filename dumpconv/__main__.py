from dumpconv.cli import app

app()
