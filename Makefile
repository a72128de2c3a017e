# Two commands on a fresh Debian 12 machine: `make run` and `make test`.
# Both install what is missing (scripts/install-deps.sh), configure and build.
BUILD_DIR ?= build
PRESET    ?= release
FUZZ_SECONDS ?= 60
FUZZ_WIRE_SECONDS ?= 30
FUZZ_SHELL_SECONDS ?= 30
FUZZ_JSON_SECONDS ?= 20

.PHONY: all deps build run tour test unit fuzz bench bench-hook bench-proxy format tidy clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $(PRESET)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR)

# The main job on an embedded default: a throwaway PostgreSQL 15 guarded by `pgwarden proxy`.
run: build
	@./scripts/demo-proxy.sh $(BUILD_DIR)/pgwarden

# The tour of the other doors: `pgwarden check` on examples/, then `pgwarden lint`.
tour: build
	@./scripts/demo.sh $(BUILD_DIR)/pgwarden

# Every test: unit and corpus tests (ctest), then the fuzz target for a bounded time.
test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j2
	@$(MAKE) --no-print-directory fuzz

fuzz: deps
	cmake --preset fuzz
	cmake --build build-fuzz --target fuzz_analyze fuzz_wire fuzz_shell fuzz_json
	./scripts/run-fuzz.sh build-fuzz/fuzz_analyze $(FUZZ_SECONDS)
	./scripts/run-fuzz.sh build-fuzz/fuzz_wire $(FUZZ_WIRE_SECONDS)
	./scripts/run-fuzz.sh build-fuzz/fuzz_shell $(FUZZ_SHELL_SECONDS)
	./scripts/run-fuzz.sh build-fuzz/fuzz_json $(FUZZ_JSON_SECONDS)

bench: deps
	cmake --preset release
	cmake --build $(BUILD_DIR) --target bench_analyze bench_lint bench_memory_latency
	$(BUILD_DIR)/bench_analyze
	$(BUILD_DIR)/bench_memory_latency
	$(BUILD_DIR)/bench_lint

# The hook's latency as an agent sees it: 1,000 spawns per case beside /bin/true (bench/bench_hook.cpp).
bench-hook: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target pgwarden bench_hook
	cd tests/corpus/hook/files && $(abspath $(BUILD_DIR))/bench_hook $(abspath $(BUILD_DIR))/pgwarden 1000

# The proxy benchmark (bench/proxy/run.sh): pgbench against a throwaway PostgreSQL 15 directly,
# through PgBouncer and through `pgwarden proxy`, interleaved, medians and ratios in one run.
# About 15 minutes (BENCH_SECONDS=10 BENCH_REPEAT=3 by default), so `bench` does not run it.
bench-proxy: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target pgwarden
	PGWARDEN=$(abspath $(BUILD_DIR))/pgwarden ./bench/proxy/run.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

tidy: build
	git ls-files 'src/*.cpp' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf $(BUILD_DIR) build-fuzz
