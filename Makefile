# The two commands a clinic's IT person needs: `make run` and `make test`. The rest are steps of those.
SHELL := /bin/bash
.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

run: ## set up everything and run Rasa + action server + staff web app (Ctrl-C stops all)
	@scripts/run.sh

run-prod: ## the production profile: PostgreSQL + Redis, 2 Rasa, 2 action servers, nginx (docs/deploy.md)
	@scripts/run_production.sh

test: ## set up everything and run all checks and tests (what CI runs)
	@scripts/test.sh

env: ## create or reuse the two virtual environments
	@scripts/bootstrap.sh

train: ## train the Rasa model if config, domain or data changed
	@scripts/bootstrap.sh && scripts/train.sh

validate: ## rasa data validate
	@scripts/bootstrap.sh && . scripts/env.sh && .venv-engine/bin/rasa data validate

lint: ## ruff check + format check
	@scripts/bootstrap.sh && .venv-app/bin/ruff check . && .venv-app/bin/ruff format --check .

bench: ## benchmark against Rasa's own rasa init bot (ARGS="--quick" for a short run)
	@scripts/bootstrap.sh && . scripts/env.sh && .venv-app/bin/python -m bench $(ARGS)

admin: ## the admin command, e.g. make admin ARGS="user create --email a@b.c --role admin"
	@scripts/bootstrap.sh && . scripts/env.sh && .venv-app/bin/python -m bot.cli $(ARGS)

.PHONY: help run run-prod test env train validate lint bench admin
