# The two commands of the README: `make run` (the whole system on SQLite with demo data) and `make test`.
VENV := .venv/bin
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: setup setup-test run train test test-unit test-slow lint bench clean

setup:
	./scripts/setup.sh

setup-test:
	./scripts/setup.sh --test

run: setup
	$(VENV)/claimbot train
	$(VENV)/claimbot seed
	$(VENV)/claimbot serve

train: setup
	$(VENV)/claimbot train

lint:
	$(VENV)/ruff check .

test-unit:
	$(VENV)/python -m pytest tests/unit -q

test-slow:
	$(VENV)/claimbot train
	./scripts/run_slow_tests.sh

test: setup-test lint test-unit test-slow

bench: setup
	$(VENV)/claimbot bench nlu
	$(VENV)/claimbot bench dialogue

clean:
	rm -rf var results .pytest_cache
