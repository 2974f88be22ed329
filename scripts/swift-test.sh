#!/bin/bash
# `make test`'s test run: `swift test --skip-build` with its whole output kept in .build/test.log. When a test fails,
# the issues it recorded are printed again at the end, where a CI log's tail shows them (in a suite of a few hundred
# parallel tests they are otherwise thousands of lines up): each with up to 60 lines of its message, then the first
# six lines of each (at most ten issues) as the very last lines.
set -uo pipefail
cd "$(dirname "$0")/.."
log=.build/test.log
mkdir -p .build
${SWIFT:-swift} test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    # An issue's line, then its message's continuation lines, up to the next event of any test.
    issues() {
        awk -v most="$1" -v count="$2" '
            /recorded an issue/ { n++; show = (n <= count); lines = 0; if (show) print; next }
            /^(◇|✔|✘) / { show = 0 }
            show && lines < most { print; lines++ }' "$log"
    }
    echo
    echo "=== what the failing tests recorded (the whole output: $log) ==="
    issues 60 1000
    echo "=== in short ==="
    issues 6 10
fi
exit "$status"
