# podlab: build, fixture images, run, test, benchmark. Every target installs what it needs first.
SWIFT        ?= swift
FIXTURES_OUT := .build/fixtures/oci
DEB_CACHE    := .build/fixtures/debs
RECIPES      := $(shell find fixtures/images -type f 2>/dev/null)
SOURCES      := Package.swift $(shell find Sources -type f 2>/dev/null)
# Concrete generic types (Dictionary<Key, V>, each Codable type's keyed container) are instantiated through
# accessors that pass their witness tables, not from a mangled name: the mangled-name path scans all ~5,000
# protocol-conformance records at each first use, a quarter of a short command's start-up (docs/BENCHMARKS.md).
RELEASE_FLAGS := -c release --static-swift-stdlib \
	-Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors

.PHONY: fuzz all deps build release fixtures run test bench links deb clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Offline images, rebuilt only when a recipe (or podlab's assembling code) changes.
fixtures: $(FIXTURES_OUT)/index.json
$(FIXTURES_OUT)/index.json: $(RECIPES) $(SOURCES)
	@scripts/install-deps.sh
	$(SWIFT) build --product podlab
	.build/debug/podlab fixtures build --recipes fixtures/images --output $(FIXTURES_OUT) --deb-cache $(DEB_CACHE)
	@touch $@

# podman/docker links to the release binary, for `export PATH="$$PWD/.build/bin:$$PATH"`.
links: release
	@mkdir -p .build/bin
	@ln -sf ../release/podlab .build/bin/podlab
	@ln -sf ../release/podlab .build/bin/podman
	@ln -sf ../release/podlab .build/bin/docker

# The Debian package for learners (no Swift toolchain needed); its path is the last line printed.
deb: release fixtures
	@scripts/install-deps.sh package
	@scripts/make-deb.sh

run: links fixtures
	.build/bin/podlab

test: deps
	@scripts/install-deps.sh test
	@scripts/test-setup.sh
	$(MAKE) --no-print-directory fixtures
	$(MAKE) --no-print-directory deb
	$(SWIFT) build --build-tests
	SWIFT="$(SWIFT)" scripts/swift-test.sh
	@scripts/fuzz.sh

# Coverage-guided fuzzing of the hostile-input parsers (libFuzzer), FUZZ_SECONDS per target, corpus kept.
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/fuzz.sh --explore $(FUZZ_SECONDS)

bench: deb
	@scripts/install-deps.sh bench
	bench/run $(BENCH_ARGS)

clean:
	rm -rf .build
