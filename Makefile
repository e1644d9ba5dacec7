# pcidesign: two commands do all the set-up on a fresh machine.
#   make test    build .venv (if missing) and run the tests
#   make report  build .venv (if missing) and produce the main report under reports/
#   make docs    build .venv (if missing) and the documentation site under site/
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: all env test test-fast report bench clean-reports docs docs-findings calibrate

all: test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# the optional libvirt binding (fleet --connect) compiles against libvirt's headers: installed when
	@# they are here, else its tests skip with the reason (apt-get install libvirt-dev pkg-config)
	@if pkg-config --exists libvirt 2>/dev/null; then \
	  $(BIN)/python -m pip install --quiet -e '.[connect]' || \
	    echo "warning: libvirt-python did not build; the fleet --connect tests will be skipped" >&2; \
	else \
	  echo "note: libvirt's headers not found (apt-get install libvirt-dev pkg-config): libvirt-python not installed, the fleet --connect tests will be skipped" >&2; \
	fi
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (pcidesign)"
	touch $(STAMP)

env: $(STAMP)

# both tiers: tests/unit (fast, by layer) and tests/integration (real QEMU, browser, wheel,
# whole reports, notebooks; marked slow)
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

# the unit tier only, without papermill notebook runs (about a minute)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q tests/unit -m "not notebook"

report: $(STAMP)
	$(BIN)/pcidesign report --out reports

# both calibrations: virsh's test driver, then the private QEMU driver and real QEMU (root and
# the Debian packages; exit 2 with the apt-get hint when the stack cannot start)
calibrate: $(STAMP)
	$(BIN)/pcidesign calibrate --driver test
	$(BIN)/pcidesign calibrate --driver qemu

# every benchmark prints its figures against its budget; the figures of this run become
# docs/benchmarks-latest.md (generated: the documentation's numbers are measured, never typed)
BENCH_RECORD := .bench-record.jsonl
bench: $(STAMP)
	rm -f $(BENCH_RECORD)
	PCIDESIGN_BENCH_RECORD=$(CURDIR)/$(BENCH_RECORD) $(BIN)/python benchmarks/machine.py
	for b in benchmarks/bench_*.py; do PCIDESIGN_BENCH_RECORD=$(CURDIR)/$(BENCH_RECORD) $(BIN)/python $$b || exit 1; done
	$(BIN)/python benchmarks/latest.py $(BENCH_RECORD) docs/benchmarks-latest.md

# the findings page of the docs (docs/findings.md) and the README's headline, recomputed from the model
docs-findings: $(STAMP)
	$(BIN)/python docs/findings_page.py

# the documentation site, strict: a dangling link or anchor fails the build (output in site/)
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/python -m mkdocs build --strict --quiet

clean-reports:
	rm -rf reports
