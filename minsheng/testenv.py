"""Loaded by pytest before Django (`-p minsheng.testenv`): tests run with development settings."""

import os

os.environ.setdefault("DEBUG", "1")
