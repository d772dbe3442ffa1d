"""The package list, which pyproject.toml cannot say: vlmtok's packages plus the example paintings.

The paintings stay at the repository's top level (``examples/``, where a checkout, the tests and the Space use
them) and ship inside the wheel as ``vlmtok/examples/`` (``vlmtok.paths.examples_dir()`` finds either). Everything
else is in pyproject.toml.
"""
from setuptools import find_packages, setup

# A folder of modules needs its __init__.py (namespace packages are not discovered; tests/test_packaging.py checks).
setup(packages=[*find_packages(include=["vlmtok", "vlmtok.*"]), "vlmtok.examples"],
      package_dir={"vlmtok.examples": "examples"})
