"""Maps the repository's top-level folders onto the one `jingzhang` import namespace.

`shared/` is `jingzhang.shared` (the kernel), `services/<name>/` is `jingzhang.<name>` and `demo/` is
`jingzhang.demo` (the demo data generator), so the
tree keeps the layout operations and readers expect while imports stay unambiguous.
"""

from setuptools import find_packages, setup

SERVICES = ("assignment", "appeals", "patrols", "evaluation")
ROOTS = {
    "jingzhang.shared": "shared",
    "jingzhang.demo": "demo",
    **{f"jingzhang.{s}": f"services/{s}" for s in SERVICES},
}
PACKAGES = [*ROOTS, *(f"{name}.{sub}" for name, path in ROOTS.items() for sub in find_packages(path))]

setup(package_dir=ROOTS, packages=PACKAGES, package_data={name: ["*.sql", "py.typed"] for name in PACKAGES})
