"""Build the optional compiled Hamming kernel; all metadata lives in pyproject.toml.

hashview.core.hamming._hamming is optional: without a C compiler the build skips it
(``optional=True``) and hashview.core.hamming.search runs its numpy path instead.
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    """Add -O3 where the compiler is GCC or Clang (unix-style); MSVC keeps its defaults."""

    def build_extensions(self):
        if self.compiler.compiler_type == "unix":
            for ext in self.extensions:
                ext.extra_compile_args = ["-O3", *ext.extra_compile_args]
        super().build_extensions()


setup(
    ext_modules=[
        Extension("hashview.core.hamming._hamming", ["hashview/core/hamming/_hamming.c"], optional=True),
    ],
    cmdclass={"build_ext": BuildExt},
)
