"""A small pytest-benchmark project in the styles of pytest-benchmark's own example tests.

Written for these tests (not copied): calibrated calls with a parametrized
fixture, ``extra_info`` and groups (``test_normal.py``), ``pedantic`` with
setup/teardown/rounds (``test_pedantic.py``), a ``unittest.TestCase`` that
gets the fixture through an autouse fixture (``test_with_testcase.py``), a
skip before timing (``test_skip.py``), and two files of one name in two
packages. No weaver: it needs aspectlib, which tracetui does not install.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

FILES = {
    "tests/test_calls.py": """
        import time

        import pytest


        def test_sleep_short(benchmark):
            assert benchmark(time.sleep, 0.0001) is None


        @pytest.fixture(params=[1, 2])
        def size(request):
            return request.param


        def test_sized(benchmark, size):
            benchmark.extra_info["size"] = size
            benchmark.extra_info["note"] = {"kind": "nested", "values": [size, size * 2]}
            benchmark(sum, range(size * 10))


        @pytest.mark.parametrize("word", ["ab", "abc"])
        @pytest.mark.benchmark(group="strings")
        def test_join(benchmark, word):
            benchmark(",".join, [word] * 10)


        def test_group_in_body(benchmark):
            benchmark.group = "body"
            benchmark(str, 1)
    """,
    "tests/test_pedantic_style.py": """
        def test_pedantic_setup(benchmark):
            runs = []

            def setup():
                return ([3, 1, 2],), {}

            def target(values):
                runs.append(sorted(values))

            benchmark.pedantic(target, setup=setup, rounds=5)
            assert runs[0] == [1, 2, 3]


        def test_pedantic_iterations(benchmark):
            benchmark.pedantic(len, args=("abc",), rounds=4, iterations=10, warmup_rounds=1)
    """,
    "tests/test_case_style.py": """
        import unittest

        import pytest


        class TestWithCase(unittest.TestCase):
            @pytest.fixture(autouse=True)
            def _bench(self, benchmark):
                self.benchmark = benchmark

            def test_it(self):
                self.benchmark(len, "abc")
    """,
    "tests/test_skip_style.py": """
        import pytest


        def test_skipped(benchmark):
            pytest.skip("not today")
            benchmark(int)
    """,
    "tests/sub_a/__init__.py": "",
    "tests/sub_a/test_dup.py": """
        def test_same(benchmark):
            benchmark(int, "1")
    """,
    "tests/sub_b/__init__.py": "",
    "tests/sub_b/test_dup.py": """
        def test_same(benchmark):
            benchmark(int, "2")
    """,
    "tests/__init__.py": "",
}

#: The ids tracetui gives the tests that produce a result (the skipped one does not).
IDS = {
    "tests.test_calls.test_sleep_short",
    "tests.test_calls.test_sized[1]",
    "tests.test_calls.test_sized[2]",
    "tests.test_calls.test_join[ab]",
    "tests.test_calls.test_join[abc]",
    "tests.test_calls.test_group_in_body",
    "tests.test_pedantic_style.test_pedantic_setup",
    "tests.test_pedantic_style.test_pedantic_iterations",
    "tests.test_case_style.TestWithCase.test_it",
    "tests.sub_a.test_dup.test_same",
    "tests.sub_b.test_dup.test_same",
}


def write_examples(root: Path) -> Path:
    for name, source in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return root
