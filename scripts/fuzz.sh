#!/bin/bash
# Coverage-guided fuzzing of the parsers that read hostile input (Sources/PodlabFuzzing), with libFuzzer.
#   scripts/fuzz.sh [TARGET…]                     the fixed run of `make test`: seed 1 and a fixed number of
#                                                 inputs per target (5–45 s each here), from the seed corpus
#                                                 alone, with hashing and memory layout fixed: a bounded amount
#                                                 of work whose inputs vary only a little between runs
#   scripts/fuzz.sh --explore SECONDS [TARGET…]   `make fuzz`: a random seed for SECONDS per target, growing a
#                                                 corpus kept in .build-fuzz/corpus/<target>/ between runs
# Builds podlab-fuzz in .build beside the test build: podlab's own modules instrumented for libFuzzer, the
# dependencies reused as they are (Package.swift; the next ordinary build recompiles podlab's modules). Stops at the
# first finding (a crash, a hang over 10 s or a broken invariant), which libFuzzer saves as
# .build-fuzz/findings/<target>-crash-…: fix it and copy the input into fuzz/corpus/<target>/, where
# FuzzCorpusTests replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
explore=""
if [ "${1:-}" = "--explore" ]; then
    explore=${2:?"--explore needs a number of seconds"}
    shift 2
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(containerfile layer manifest registry-route registries-conf lesson kube submission auth-challenge image-user ignore load)
fi
# Inputs per target in the fixed run: 5–45 seconds each on a 2-core lab machine, about 4 minutes in all.
declare -A runs=([containerfile]=100000 [layer]=15000 [manifest]=400000 [registry-route]=400000
                 [registries-conf]=100000 [lesson]=10000 [kube]=50000 [submission]=400000
                 [auth-challenge]=200000 [image-user]=60000 [ignore]=80000 [load]=8000)

export PODLAB_FUZZ=1
# Swift seeds its hashing per process (Set and Dictionary order) and the kernel places memory at random (addresses
# that libFuzzer's comparison tracing sees): both change the coverage, and so the inputs the fixed run tries; fixing
# them narrows that variation (what remains comes from the file system and library state).
export SWIFT_DETERMINISTIC_HASHING=1
# Swift's own backtracer would take a crash (and a finding's abort) before libFuzzer's handler, which then never
# writes the input to .build-fuzz/findings/: leave crashes to libFuzzer.
export SWIFT_BACKTRACE=enable=no
fixed_layout=()
if setarch "$(uname -m)" -R true 2>/dev/null; then fixed_layout=(setarch "$(uname -m)" -R); fi
flags=(--product podlab-fuzz)
mkdir -p .build-fuzz
started=$(date +%s)
if ! swift build "${flags[@]}" > .build-fuzz/build.log 2>&1; then
    grep -E 'error' .build-fuzz/build.log >&2 || tail -n 30 .build-fuzz/build.log >&2
    echo "fuzz: podlab-fuzz did not build; log: .build-fuzz/build.log" >&2
    exit 1
fi
echo "fuzz: podlab-fuzz built in $(( $(date +%s) - started ))s"
binary=$(swift build "${flags[@]}" --show-bin-path)/podlab-fuzz

mkdir -p .build-fuzz/findings
status=0
for target in "${targets[@]}"; do
    [ -d "fuzz/corpus/$target" ] || { echo "fuzz: no target '$target' (fuzz/corpus/$target is missing)" >&2; exit 2; }
    if [ -n "$explore" ]; then
        work=.build-fuzz/corpus/$target
        mkdir -p "$work"
        launcher=()
        options=(-max_total_time="$explore")
        echo "fuzz: $target for ${explore}s"
    else
        work=$(mktemp -d)
        launcher=("${fixed_layout[@]}")
        options=(-seed=1 -runs="${runs[$target]:-20000}" -max_total_time=300)
        echo "fuzz: $target, ${runs[$target]:-20000} inputs from seed 1"
    fi
    started=$(date +%s)
    result=0
    touch .build-fuzz/findings/.run-started
    PODLAB_FUZZ_TARGET=$target "${launcher[@]}" "$binary" "${options[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix=".build-fuzz/findings/$target-" "$work" "fuzz/corpus/$target" \
        > ".build-fuzz/$target.log" 2>&1 || result=$?
    [ -n "$explore" ] || rm -rf "$work"
    if [ $result -ne 0 ]; then
        echo "fuzz: $target found something; log: .build-fuzz/$target.log" >&2
        tail -n 30 ".build-fuzz/$target.log" >&2
        kept=$(find .build-fuzz/findings -name "$target-*" -newer .build-fuzz/findings/.run-started)
        echo "fuzz: ${kept:-libFuzzer kept no input for it}" >&2
        status=1
        break
    fi
    echo "fuzz: $target: $(grep -E '^stat::(number_of_executed_units|new_units_added)' ".build-fuzz/$target.log" \
        | sed 's/^stat:://; s/: */ /' | tr '\n' ' ')in $(( $(date +%s) - started ))s"
done
exit $status
