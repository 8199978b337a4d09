# Parley — two commands: `make run` and `make test`. See README.md.
.PHONY: all deps build build-test build-tsan run sdk test test-unit test-sdk test-fuzz test-e2e test-tsan bench load-signal bench-compare bench-cluster format format-check lint clean

BUILD_DIR      ?= build
TEST_BUILD_DIR ?= build/asan
BENCH_BUILD_DIR ?= build/bench
TSAN_BUILD_DIR ?= build/tsan
LINT_BUILD_DIR ?= build/lint
JOBS           ?= $(shell nproc)
TSAN_JOBS      ?= $(JOBS)
FUZZ_RUNS      ?= 20000
# The sanitizer builds keep line tables only: sanitizer reports still name file and line,
# and each build compiles about a fifth faster than with full debug information.
TEST_DEBUG_FLAGS ?= -gline-tables-only
RUN_ARGS       ?=

all: build

deps:
	@scripts/install-deps

# Optimised build used by `make run`: build/parleyd and build/parley.
build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=OFF >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)
	@$(MAKE) --no-print-directory sdk

run: build
	@scripts/run-parleyd $(RUN_ARGS)

# parley.js: esbuild bundles sdk/js/dist/parley.mjs (ES module) and sdk/js/dist/parley.js
# (global `OT`), then a strict type-check, the bundled types dist/parley.d.ts (+ .d.mts) and
# the API reference docs/sdk-api.md generated from them. Needs the npm packages of `make deps`.
sdk:
	@node sdk/js/build.mjs
	@npx --no -- tsc --noEmit -p sdk/js
	@node sdk/js/tools/bundle-dts.mjs --quiet
	@node sdk/js/tools/api-reference.mjs

# One clang build with ASan+UBSan and fuzzer coverage serves the unit tests, the
# fuzz targets and the end-to-end tests (which start this build's parleyd).
build-test: deps
	@CXX=clang++ cmake -S . -B $(TEST_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$(TEST_DEBUG_FLAGS)" \
	  -DPARLEY_SANITIZE=ON -DPARLEY_FUZZ=ON -DPARLEY_WERROR=ON -DPARLEY_TESTS=ON >/dev/null
	@cmake --build $(TEST_BUILD_DIR) -j $(JOBS)

# The TSan build compiles everything a second time; scripts/run-tests runs it at the lowest
# CPU priority beside the ASan suites (the end-to-end tests leave cores idle while they wait on
# browsers and timers), then runs the TSan tests last at normal priority.
test: build-test
	@MAKE="$(MAKE)" TSAN_BUILD_DIR=$(TSAN_BUILD_DIR) scripts/run-tests

test-unit:
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(TEST_BUILD_DIR) --output-on-failure --no-tests=error -j $(JOBS)

# Unit tests of parley.js's protocol layer (node:test, against the built bundle), the
# type-level test of dist/parley.d.ts (sdk/js/test/types) and the docs/sdk-api.md freshness check.
test-sdk: sdk
	@npx --no -- tsc -p sdk/js/test/types
	@node --test sdk/js/test/

# Each fuzz target runs a bounded number of inputs from its seed corpus; a crash fails the run.
test-fuzz:
	@scripts/run-fuzzers $(TEST_BUILD_DIR)/fuzz $(FUZZ_RUNS)

test-e2e: sdk
	@PARLEYD=$(TEST_BUILD_DIR)/parleyd PARLEY_CLI=$(TEST_BUILD_DIR)/parley \
	  node --test --test-concurrency=1 tests/

# The unit tests again under ThreadSanitizer (its own clang build; TSan and ASan cannot share
# one binary), for the control thread, the media workers and the webhook thread.
test-tsan: build-tsan
	@TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	  ctest --test-dir $(TSAN_BUILD_DIR) --output-on-failure --no-tests=error -j $(JOBS)

build-tsan: deps
	@CXX=clang++ cmake -S . -B $(TSAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="$(TEST_DEBUG_FLAGS)" \
	  -DPARLEY_TSAN=ON -DPARLEY_SANITIZE=OFF -DPARLEY_FUZZ=OFF -DPARLEY_WERROR=ON -DPARLEY_TESTS=ON >/dev/null
	@cmake --build $(TSAN_BUILD_DIR) -j $(TSAN_JOBS) --target parley_tests

bench: deps
	@cmake -S . -B $(BENCH_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARLEY_TESTS=OFF -DPARLEY_BENCH=ON >/dev/null
	@cmake --build $(BENCH_BUILD_DIR) -j $(JOBS)
	@if [ -x $(BENCH_BUILD_DIR)/parley_bench ]; then $(BENCH_BUILD_DIR)/parley_bench; else echo "no benchmarks yet"; fi

# Signal-storm load measurement (docs/performance.md): a release parleyd in build/release-load,
# then tests/load/signal-storm.mjs. Prints the issue-10 targets; options in LOAD_ARGS="-n 200 -s 5".
load-signal:
	@cmake -S . -B build/release-load -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=OFF >/dev/null
	@cmake --build build/release-load -j $(JOBS) --target parleyd
	@node tests/load/signal-storm.mjs --parleyd build/release-load/parleyd $(LOAD_ARGS)

# parleyd and Debian's Janus (installed if missing) under the same `parley load`, side by side
# in a private network namespace; N="50 150 400" REPEAT=2 DURATION=20 (docs/performance.md).
bench-compare:
	@JOBS=$(JOBS) tests/load/bench-compare.sh

# Three nodes on a throwaway PostgreSQL and Redis (release build): placement, forwarded REST
# and join times through non-owner nodes (docs/performance.md); BENCH_ARGS="--rounds 100".
bench-cluster:
	@cmake -S . -B build/release-load -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_TESTS=OFF >/dev/null
	@cmake --build build/release-load -j $(JOBS) --target parleyd parley
	@node tests/load/cluster-bench.mjs --parleyd build/release-load/parleyd --cli build/release-load/parley $(BENCH_ARGS)

format:
	@find server -name '*.h' -o -name '*.cpp' | xargs clang-format -i

# Fails, listing the offending lines, when a C++ file differs from .clang-format (`make format` fixes).
format-check: deps
	@find server \( -name '*.h' -o -name '*.cpp' \) -print0 | xargs -0 clang-format --dry-run -Werror

# clang-tidy with .clang-tidy's checks over server/src, server/test and server/fuzz; prints the
# findings and a count per check, fails if there are any. Uses a configure-only build dir.
lint:
	@CXX=clang++ cmake -S . -B $(LINT_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DPARLEY_TESTS=ON -DPARLEY_FUZZ=ON >/dev/null
	@scripts/run-clang-tidy $(LINT_BUILD_DIR) $(JOBS)

clean:
	rm -rf $(BUILD_DIR)
