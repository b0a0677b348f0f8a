"""Maps the four source folders onto the one import package `thaibench`.

pyproject.toml holds all metadata; this file only lists the subpackages, so that a new
subfolder with an __init__.py is packaged without editing a central list.
"""

from pathlib import Path

from setuptools import setup

ROOTS = {"harness": "thaibench", "tasks": "thaibench.tasks", "merge": "thaibench.merge",
         "leaderboards": "thaibench.leaderboards"}


def _packages() -> tuple[list[str], dict[str, str]]:
    here = Path(__file__).parent
    packages, package_dir = [], {}
    for folder, name in ROOTS.items():
        for init in sorted((here / folder).rglob("__init__.py")):
            rel = init.parent.relative_to(here)
            pkg = ".".join([name, *rel.parts[1:]])
            packages.append(pkg)
            package_dir[pkg] = rel.as_posix()
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()
setup(packages=PACKAGES, package_dir=PACKAGE_DIR,
      package_data={pkg: ["*.json", "*.jsonl", "*.yaml", "*.md", "*.txt", "*.jinja", "*.html", "*.css", "*.js", "data/*"] for pkg in PACKAGES})
