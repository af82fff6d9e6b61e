"""The version dumpconv reports (``--version``) and writes into every script's header."""

VERSION = "0.1.0"
