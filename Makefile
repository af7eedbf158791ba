# Two commands: `make run` and `make test`. Everything else is a helper for them.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PORT  ?= 8000

# Django 6 needs Python 3.12+; take the first one this machine has.
PYTHON ?= $(shell for p in python3.13 python3.12 $(HOME)/.pyenv/versions/3.13*/bin/python3 $(HOME)/.pyenv/versions/3.12*/bin/python3 python3; do \
            command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)

.PHONY: run test install bench clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "需要 Python 3.12 或更高版本（Django 6 的要求）"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

# 演示在本机 http 上运行，所以 Cookie 不要求 HTTPS（生产部署见 .env.example）。
run: export XINFANG_HTTPS ?= false
run: install
	$(VENV)/bin/xinfang migrate --noinput
	$(VENV)/bin/xinfang seed-demo
	$(VENV)/bin/xinfang serve --port $(PORT)

# 测试分到 TEST_WORKERS 个进程（pytest-xdist；auto = 本机核数）并行跑；TEST_WORKERS=0 则单进程。
# worksteal：每个进程先拿连续的一段测试（固定人物表因此少建几次），先跑完的再从别的进程队尾取。
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test
	$(VENV)/bin/ruff check xinfang benchmarks conftest.py
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# 百万件基准：默认写到 var/bench，不动开发库；PostgreSQL 上跑时设 XINFANG_DATABASE_URL。结果写入 benchmarks/results.md。
bench: export XINFANG_VAR_DIR ?= $(CURDIR)/var/bench
bench: install
	$(VENV)/bin/xinfang migrate --noinput
	$(PY) benchmarks/petitions_bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var build *.egg-info
